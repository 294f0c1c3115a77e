# SPDX-License-Identifier: MIT
"""Long calls in the worker (docs/protocol.md, "Long calls"): progress, partial results from
generators, cancel, and tqdm bars, with the worker run end to end over a socketpair.

Stdlib only: `python3 tests/worker/test_long.py`. The tqdm test runs when tqdm is importable.
"""
import errno
import json
import os
import random
import select
import shutil
import socket
import statistics
import struct
import tempfile
import threading
import time
import unittest

from test_wire import EndToEndTest, TAGGED, PARTS, W, host_frame, optional, read_frame

SOURCE = r'''
import contextlib, os, threading, qtpyvenv

state = {}

def report(n, message="step"):
    for i in range(n):
        qtpyvenv.progress(i + 1, n, message)
    return "reported"

def many(n):
    import time
    start = time.monotonic()
    for i in range(n):
        qtpyvenv.progress(i, n)
    return time.monotonic() - start

def bad_progress():
    qtpyvenv.progress("half")

def count(n, result=None):
    for i in range(n):
        yield {"i": i}
    return result

def squares(n):
    return (i * i for i in range(n))

def nothing():
    return
    yield

def raw():
    yield b"abc"
    yield [b"", b"de"]

def unsendable():
    try:
        yield 1
        yield {"ok": [1, object()]}
        yield 3
    finally:
        state["closed"] = True

def rows(n):
    for i in range(n):
        yield [i, b"xy" * (i % 7), "p" * (i % 200)]

def reports(n):
    total = 0
    for i in range(n * 100):
        qtpyvenv.progress(i, n * 100, "adding")
        total += i
    return total

def mixed(n):
    for i in range(n * 100):
        qtpyvenv.progress(i)
        if i % 500 == 0:
            yield i

def forever():
    i = 0
    while True:
        yield i
        i += 1

def wait_for(path):
    with open(path) as fifo:
        return fifo.read()

def quick(n):
    return sum(range(n))

@contextlib.contextmanager
def noted(name):
    try:
        yield
    finally:
        state[name] = True

def spin():
    state["cancelled before"] = qtpyvenv.cancelled()
    with noted("context exited"):
        try:
            qtpyvenv.progress(0, None, "spinning")
            while True:
                pass
        except qtpyvenv.Cancelled:
            state["cancelled seen"] = qtpyvenv.cancelled()
            raise
        finally:
            state["finally ran"] = True

def swallow():
    qtpyvenv.progress(0)
    try:
        while True:
            pass
    except qtpyvenv.Cancelled:
        return "swallowed"

def progress_after_cancel():
    qtpyvenv.progress(0)
    try:
        while True:
            pass
    except qtpyvenv.Cancelled:
        pass
    qtpyvenv.progress(1)
    state["progress went on"] = True

def get(name):
    return state.get(name)

def outside():
    done = []
    thread = threading.Thread(target=lambda: done.append((qtpyvenv.progress(1), qtpyvenv.cancelled())))
    thread.start()
    thread.join()
    return [qtpyvenv.cancelled(), done]
'''


class LongCallHost(unittest.TestCase):
    """The worker as the host runs it (test_wire's EndToEndTest), with MAX_WORKERS THREADS."""

    THREADS = 3
    receive = EndToEndTest.receive

    def setUp(self):
        EndToEndTest.setUp(self)
        self.pending = []  # frames received while waiting for others
        self.fifos = tempfile.mkdtemp()
        self.assertEqual(self.next()["type"], "ready")
        self.define(SOURCE)

    def tearDown(self):
        try:
            EndToEndTest.tearDown(self)
        finally:
            if self.process.poll() is None:  # a worker that did not end: no orphan
                self.process.kill()
                self.process.wait()
            shutil.rmtree(self.fifos)

    def next(self):
        if self.pending:
            return self.pending.pop(0)
        return self.receive()[1]

    def send(self, message):
        """Sends while it keeps reading, as the host does: its writes never block its reads. A
        test host blocked in sendall() could wait on a worker thread that is itself blocked
        writing frames nobody reads."""
        data = memoryview(host_frame(json.dumps(message), tagged=False))
        while data:
            readable, writable, _ = select.select([self.host], [self.host], [], 60)
            if not readable and not writable:
                raise TimeoutError("the worker neither reads nor writes")
            if readable:
                chunk = self.host.recv(1 << 20)
                if not chunk:
                    self.fail("the worker closed the socket: %r" % (self.process.stderr.read(),))
                self.buffer += chunk  # after self.pending, before what receive() reads next
            if writable:
                data = data[self.host.send(data):]

    def define(self, code, op_id=1):
        self.send({"type": "define", "opID": op_id, "sources": [{"name": "<long>", "code": code}]})
        reply = self.until(lambda m: m["type"] == "op_done")[-1]
        self.assertTrue(reply["ok"], reply)

    def call(self, call_id, func, *argv):
        self.send({"type": "call", "callID": call_id, "func": func, "argv": list(argv)})

    def cancel(self, call_id):
        self.send({"type": "cancel", "callID": call_id})

    def until(self, stop):
        """The frames up to the first for which stop(frame) holds, that one last."""
        frames = []
        while not frames or not stop(frames[-1]):
            frames.append(self.next())
        return frames

    def frames_of(self, call_id):
        """The frames of one call up to its call_done, which is last; the others' stay."""
        frames = self.until(lambda m: m.get("callID") == call_id and m["type"] == "call_done")
        self.pending[:0] = [m for m in frames if m.get("callID") != call_id]
        return [m for m in frames if m.get("callID") == call_id]

    def result(self, call_id, func, *argv):
        self.call(call_id, func, *argv)
        done = self.frames_of(call_id)[-1]
        self.assertTrue(done["ok"], done)
        return done["result"]

    def blocker(self, name):
        """A FIFO that a wait_for() call blocks on until release() writes to it."""
        path = os.path.join(self.fifos, name)
        os.mkfifo(path)
        return path

    def release(self, path):
        """Lets the wait_for() call on `path` return once it waits there; fails if the worker
        died meanwhile rather than wait for it forever."""
        while True:
            try:
                fd = os.open(path, os.O_WRONLY | os.O_NONBLOCK)
                break
            except OSError as error:
                if error.errno != errno.ENXIO:  # ENXIO: nobody reads it yet
                    raise
                self.assertIsNone(self.process.poll(), "the worker ended")
                time.sleep(0.001)
        os.write(fd, b"released")
        os.close(fd)

    def wait_running(self, call_id):
        """Waits for the first progress frame of a call: its code runs."""
        frame = self.until(lambda m: m.get("callID") == call_id)[-1]
        self.assertEqual(frame["type"], "progress", frame)

    def assertCancelled(self, done, message="the call was cancelled"):
        self.assertEqual((done["type"], done["ok"], done.get("cancelled")), ("call_done", False, True), done)
        self.assertEqual((done["errorType"], done["errorMessage"]), ("Cancelled", message))


class LongCallTest(LongCallHost):
    # --- progress ---------------------------------------------------------------------------

    def test_progress_in_order_and_the_last_value_before_call_done(self):
        for call_id, n in ((1, 1), (2, 10), (3, 100000)):
            self.call(call_id, "report", n, "step")
            frames = self.frames_of(call_id)
            done, progress = frames[-1], frames[:-1]
            self.assertEqual(done["result"], "reported")
            self.assertTrue(progress)
            self.assertEqual({m["type"] for m in progress}, {"progress"})
            self.assertEqual(progress[0], {"type": "progress", "callID": call_id, "done": 1, "total": n,
                                           "message": "step"})
            self.assertEqual(progress[-1]["done"], n)  # the last value, however fast the loop
            values = [m["done"] for m in progress]
            self.assertEqual(values, sorted(set(values)))

    def test_a_million_reports_send_few_frames(self):
        self.call(1, "many", 1000000)
        frames = self.frames_of(1)
        seconds = frames[-1]["result"]
        # At most one every 50 ms, plus the first and the last.
        self.assertLessEqual(len(frames) - 1, 2 + seconds / 0.05 + 1, seconds)
        self.assertEqual(frames[-2]["done"], 999999)

    def test_progress_checks_its_numbers(self):
        self.call(1, "bad_progress")
        done = self.frames_of(1)[-1]
        self.assertEqual(done["errorType"], "TypeError")
        self.assertIn("done must be a number, not str", done["errorMessage"])

    def test_outside_a_call_and_in_other_threads_nothing(self):
        self.assertEqual(self.result(1, "outside"), [False, [[None, False]]])

    # --- partial results --------------------------------------------------------------------

    def test_generator_partials_in_order_then_the_result(self):
        self.call(1, "count", 5, "finished")
        frames = self.frames_of(1)
        self.assertEqual([m["value"] for m in frames[:-1]], [{"i": i} for i in range(5)])
        self.assertEqual({m["type"] for m in frames[:-1]}, {"partial"})
        self.assertEqual(frames[-1]["result"], "finished")
        self.call(2, "count", 3)  # returns None: the last value yielded
        self.assertEqual(self.frames_of(2)[-1]["result"], {"i": 2})
        self.call(3, "squares", 4)  # a generator expression
        frames = self.frames_of(3)
        self.assertEqual([m["value"] for m in frames[:-1]], [0, 1, 4, 9])
        self.assertEqual(frames[-1]["result"], 9)
        self.call(4, "nothing")
        self.assertEqual(self.frames_of(4), [{"type": "call_done", "callID": 4, "ok": True, "result": None}])

    def test_partials_carry_binary_parts(self):
        self.call(1, "raw")
        flags, first, parts, _ = self.receive()
        self.assertEqual(flags, TAGGED | PARTS)
        self.assertEqual((first["type"], first["value"]), ("partial", b"abc"))
        self.assertEqual(self.receive()[1]["value"], [b"", b"de"])
        self.assertEqual(self.receive()[1]["result"], [b"", b"de"])

    def test_an_unsendable_partial_fails_the_call_and_closes_the_generator(self):
        self.call(1, "unsendable")
        frames = self.frames_of(1)
        self.assertEqual([m["value"] for m in frames[:-1]], [1])
        done = frames[-1]
        self.assertEqual((done["ok"], done["errorType"]), (False, "TypeError"))
        self.assertIn('the partial result 2 of unsendable() cannot be sent: value["ok"][1] is a object',
                      done["errorMessage"])
        self.assertTrue(self.result(2, "get", "closed"))

    # --- cancel -----------------------------------------------------------------------------

    def test_cancel_a_call_that_has_not_started(self):
        fifos = [self.blocker("b%d" % i) for i in range(self.THREADS)]
        for call_id, path in enumerate(fifos, 1):
            self.call(call_id, "wait_for", path)
        self.call(10, "quick", 10)  # every thread is busy: the watcher queues it
        self.cancel(10)
        self.assertCancelled(self.next(), "the call was cancelled before it started")
        self.send({"type": "ping", "opID": 5})  # answered while every thread is in a call
        self.assertEqual(self.next(), {"type": "pong", "opID": 5})
        for call_id, path in enumerate(fifos, 1):
            self.release(path)
            self.assertEqual(self.frames_of(call_id)[-1]["result"], "released")
        self.assertEqual(self.result(11, "quick", 10), 45)

    def test_cancel_a_running_loop_runs_its_finally(self):
        self.call(1, "spin")
        self.wait_running(1)
        self.cancel(1)
        done = self.frames_of(1)[-1]
        self.assertCancelled(done)
        self.assertIn("in spin", done["traceback"])
        self.assertNotIn("qtpyvenv_worker.py", done["traceback"])
        for name, value in (("cancelled before", False), ("cancelled seen", True), ("finally ran", True),
                            ("context exited", True)):
            self.assertEqual(self.result(2, "get", name), value, name)

    def test_cancel_leaves_other_calls_alone(self):
        path = self.blocker("other")
        self.call(1, "wait_for", path)
        self.call(2, "spin")
        self.wait_running(2)
        self.call(3, "count", 3)
        self.cancel(2)
        self.assertCancelled(self.frames_of(2)[-1])
        self.assertEqual(self.frames_of(3)[-1]["result"], {"i": 2})
        self.release(path)
        self.assertEqual(self.frames_of(1)[-1]["result"], "released")

    def test_cancelled_even_when_the_code_swallows_it(self):
        for call_id, func in ((1, "swallow"), (2, "progress_after_cancel")):
            self.call(call_id, func)
            self.wait_running(call_id)
            self.cancel(call_id)
            self.assertCancelled(self.frames_of(call_id)[-1])
        self.assertIsNone(self.result(3, "get", "progress went on"))  # progress() raised Cancelled

    def test_cancel_a_stream_then_nothing_of_it(self):
        self.call(1, "forever")
        self.until(lambda m: m.get("callID") == 1 and m["type"] == "partial" and m["value"] == 10)
        self.cancel(1)
        self.assertCancelled(self.frames_of(1)[-1])
        self.call(2, "quick", 3)
        frames = self.until(lambda m: m.get("callID") == 2)
        self.assertEqual([m for m in frames if m.get("callID") == 1], [])
        self.assertEqual(frames[-1]["result"], 3)

    def test_cancel_racing_completion_gives_one_call_done(self):
        count = 300
        for call_id in range(1, count + 1):
            self.call(call_id, "quick", call_id * 50)
            self.cancel(call_id)
        dones = {}
        while len(dones) < count:
            frame = self.next()
            self.assertEqual(frame["type"], "call_done", frame)
            self.assertNotIn(frame["callID"], dones)
            dones[frame["callID"]] = frame
        outcomes = set()
        for call_id, done in dones.items():
            if done["ok"]:
                self.assertEqual(done["result"], sum(range(call_id * 50)))
            else:
                self.assertCancelled(done, done["errorMessage"])
            outcomes.add(done["ok"])
        self.call(count + 1, "quick", 3)
        self.assertEqual(self.until(lambda m: m.get("callID") == count + 1),
                         [{"type": "call_done", "callID": count + 1, "ok": True, "result": 3}])

    def test_cancels_at_random_moments_keep_the_protocol(self):
        """Cancels land anywhere: in user code, while a partial is made or written, while a
        progress report is sent, after the code returned. Every call ends once, nothing of it
        follows its call_done, and the worker goes on."""
        # Threads switch at nearly every check for pending work, so that the reading thread
        # handles a cancel at any point of the calls' threads, not only where they wait.
        self.define("import sys\nsys.setswitchinterval(1e-6)\n", 2)
        rng = random.Random(9)
        count, started, open_calls, dones = 400, 0, set(), {}
        while started < count or open_calls:
            while started < count and len(open_calls) < 2 * self.THREADS:
                started += 1
                func = rng.choice(["rows", "reports", "mixed"])
                self.call(started, func, rng.randint(1, 3000))
                if rng.random() < 0.3:
                    self.cancel(started)
                open_calls.add(started)
            frame = self.next()
            call_id = frame.get("callID")
            self.assertNotIn(call_id, dones, frame)
            if frame["type"] == "call_done":
                dones[call_id] = frame
                open_calls.discard(call_id)
                if not frame["ok"]:
                    self.assertCancelled(frame, frame["errorMessage"])
            elif rng.random() < 0.05:
                self.cancel(call_id)
        self.assertEqual(self.result(count + 1, "quick", 3), 3)

    def test_cancel_unknown_or_finished_is_ignored(self):
        self.assertEqual(self.result(1, "quick", 4), 6)
        self.cancel(1)
        self.cancel(999)
        self.cancel(-5)
        self.assertEqual(self.result(2, "quick", 5), 10)
        self.send({"type": "ping", "opID": 3})
        self.assertEqual(self.next(), {"type": "pong", "opID": 3})

    def test_a_define_behind_busy_threads_waits_its_turn(self):
        fifos = [self.blocker("d%d" % i) for i in range(self.THREADS)]
        for call_id, path in enumerate(fifos, 1):
            self.call(call_id, "wait_for", path)
        self.send({"type": "define", "opID": 2, "sources": [{"name": "<later>", "code": "def later():\n    return 'defined'\n"}]})
        self.call(10, "later")
        self.release(fifos[0])
        frames = self.until(lambda m: m.get("callID") == 10)
        self.assertEqual([(m["type"], m.get("callID", m.get("opID"))) for m in frames],
                         [("call_done", 1), ("op_done", 2), ("call_done", 10)])
        self.assertEqual(frames[-1]["result"], "defined")
        for path in fifos[1:]:
            self.release(path)

    # --- tqdm -------------------------------------------------------------------------------

    @unittest.skipIf(optional("tqdm") is None, "tqdm is not importable")
    def test_tqdm_bars_report_and_draw_nothing(self):
        self.define("import threading, tqdm\n"
                    "for _ in tqdm.tqdm(range(3), desc='at-define'):\n"
                    "    pass\n"
                    "kept = []\n"
                    "def bars(n):\n"
                    "    for _ in tqdm.tqdm(range(n), desc='outer'):\n"
                    "        for _ in tqdm.tqdm(range(3), desc='inner'):\n"
                    "            pass\n"
                    "    with tqdm.tqdm(total=n * 10, desc='manual') as bar:\n"
                    "        bar.update(n * 10)\n"
                    "    return 'drawn'\n"
                    "def elsewhere(n):\n"
                    "    bar = tqdm.tqdm(total=n, desc='threads')\n"
                    "    kept.append(bar)\n"
                    "    thread = threading.Thread(target=bar.update, args=(n,))\n"
                    "    thread.start()\n"
                    "    thread.join()\n"
                    "def later():\n"
                    "    thread = threading.Thread(target=kept[0].update, args=(1,))\n"
                    "    thread.start()\n"
                    "    thread.join()\n"
                    "    kept[0].close()\n", 2)
        self.call(1, "bars", 50)
        frames = self.frames_of(1)
        progress = [(m["done"], m["total"], m["message"]) for m in frames if m["type"] == "progress"]
        self.assertEqual(progress[0], (0, 50, "outer"))
        self.assertEqual(progress[-1], (500, 500, "manual"))
        self.assertNotIn("inner", {p[2] for p in progress})
        self.assertEqual(frames[-1]["result"], "drawn")
        # Updated in another thread: reported under the call the bar was made in, until its end.
        self.call(2, "elsewhere", 7)
        frames = self.frames_of(2)
        self.assertEqual([(m["done"], m["total"], m["message"]) for m in frames[:-1]],
                         [(0, 7, "threads"), (7, 7, "threads")])
        self.call(3, "later")
        self.assertEqual([m["type"] for m in self.until(lambda m: m.get("callID") == 3)], ["call_done"])
        self.host.close()
        self.process.wait(timeout=30)
        drawn = self.process.stderr.read()
        self.assertIn(b"at-define", drawn)
        for desc in (b"outer", b"inner", b"manual", b"threads"):
            self.assertNotIn(desc, drawn)

    @unittest.skipIf(optional("tqdm") is None, "tqdm is not importable")
    def test_tqdm_postfix_joins_the_message(self):
        self.define("import tqdm\n"
                    "def fit(n):\n"
                    "    with tqdm.tqdm(total=n, desc='fitting') as bar:\n"
                    "        bar.set_postfix(loss=0.5)\n"
                    "        bar.update(n)\n"
                    "def tagged(n):\n"
                    "    with tqdm.tqdm(total=n, postfix='warm') as bar:\n"
                    "        bar.update(n)\n", 1)
        self.call(1, "fit", 4)
        progress = [(m["done"], m["message"]) for m in self.frames_of(1)[:-1]]
        self.assertEqual((progress[0], progress[-1]), ((0, "fitting"), (4, "fitting, loss=0.5")))
        self.call(2, "tagged", 4)  # a postfix that is not a dict, and no desc
        self.assertEqual(self.frames_of(2)[-2]["message"], "warm")


class OneThreadTest(LongCallHost):
    """MAX_WORKERS 1: no other worker thread can read a cancel while the call runs."""

    THREADS = 1

    def test_a_cancel_right_after_the_start_is_read_soon(self):
        # With switch intervals this short (a thread that waits for the GIL a computing one holds
        # waits one interval) the watcher's naps are most of the time a cancel takes: its first
        # look at a call comes after 1 ms, where it was 5 ms, and 10 ms for a call it had read.
        self.define("import sys\nsys.setswitchinterval(0.0005)\n", 2)
        latencies = []
        for call_id in range(1, 22):
            self.call(call_id, "spin")
            self.wait_running(call_id)
            begin = time.monotonic()
            self.cancel(call_id)
            self.assertCancelled(self.frames_of(call_id)[-1])
            latencies.append(time.monotonic() - begin)
        self.assertLess(statistics.median(latencies), 0.006, latencies)


class ReadingTest(unittest.TestCase):
    """The thread that reads answers pings, early cancels and unreadable frames with post(): it
    never writes itself, so no flush of other threads' frames to a slow host holds up reading."""

    def test_post_returns_while_the_host_takes_nothing(self):
        host, worker = socket.socketpair()
        self.addCleanup(host.close)
        self.addCleanup(worker.close)
        worker.setblocking(False)
        filler, chunk = 0, 1 << 16
        while chunk:  # the worker's side full: a write now would wait for the host
            try:
                filler += worker.send(bytes(chunk))
            except BlockingIOError:
                chunk //= 2
        worker.setblocking(True)
        channel = W.Channel(worker.fileno(), worker.fileno(), 1 << 20)
        reader = threading.Thread(target=channel.post, args=({"type": "pong", "opID": 7},))
        reader.start()
        reader.join(30)
        self.assertFalse(reader.is_alive(), "post() waited for the host to read")
        channel.send({"type": "pong", "opID": 8})  # queued behind it: the writer flushes
        received = b""
        while len(received) < filler + 2 * (4 + len(b'{"type":"pong","opID":7}')):
            received += host.recv(1 << 16)
        self.assertEqual(received[:filler], bytes(filler))
        frames = received[filler:]
        first = 4 + struct.unpack_from(">I", frames)[0]
        self.assertEqual([read_frame(frames[:first])[1], read_frame(frames[first:])[1]],
                         [{"type": "pong", "opID": 7}, {"type": "pong", "opID": 8}])


if __name__ == "__main__":
    unittest.main()
