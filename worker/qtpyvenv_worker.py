# SPDX-License-Identifier: MIT
"""QtPyVenv worker: serves one host process over two private pipes.

Run as: python qtpyvenv_worker.py IN_FD OUT_FD MAX_WORKERS MAX_FRAME_BYTES

Frames are a 4-byte big-endian length and a UTF-8 JSON object. They travel on IN_FD/OUT_FD,
never on fd 0/1/2, so user code may print, write to sys.stderr or to fd 1 from C freely.

MAX_WORKERS threads serve calls, one of them at a time reading frames: see Dispatcher.
Stdlib only; Python >= 3.8.
"""
import json
import os
import struct
import sys
import threading
import types

# traceback, linecache and inspect are imported when first needed: they cost a few
# milliseconds of every start.

PROTOCOL_VERSION = 1
SOURCES_MODULE = "__qtpyvenv__"
_HEADER = struct.Struct(">I")
_DIRECT_READ_BYTES = 1 << 20  # a body this big is read straight into its own buffer
_SOURCES = {}  # name -> code, for tracebacks
# How long the reading thread may spend in one call before a standby thread reads on.
_TAKEOVER_SECONDS = 0.001
# ASCII output: CPython's ASCII escaper is about twice as fast as the Unicode one on large strings.
_encoder = json.JSONEncoder(ensure_ascii=True, allow_nan=False, separators=(",", ":"))
_encode = _encoder.encode


def _direct_encoder():
    """The C encoder behind JSONEncoder.encode, built once: encode() builds a new one for every
    message, which costs more than encoding a small reply. Stateless (no circular-reference
    check: deep recursion fails instead), so threads can share it. None where this Python's
    accelerator does not take these arguments or does not encode the same."""
    make = getattr(json.encoder, "c_make_encoder", None)
    if make is None:
        return None
    try:
        encode = make(None, _encoder.default, json.encoder.encode_basestring_ascii, None,
                      ":", ",", False, False, False)
        sample = {"a": [1, 2.5, -3e300, "x\u00e9\n", None, True], "b": {}}
        if "".join(encode(sample, 0)) != _encoder.encode(sample):
            return None
    except Exception:
        return None
    return lambda message: "".join(encode(message, 0))


_encode = _direct_encoder() or _encode
# json.loads() wraps the C scanner in several Python-level calls and two regular expression
# matches, which cost more than the parsing of a small frame.
_scan = json.decoder.JSONDecoder().scan_once


def _parse(text):
    """One frame's JSON object."""
    try:
        message, end = _scan(text, 0)
    except StopIteration as stop:
        raise ProtocolViolation("a frame is not JSON (at character %s)" % (stop.value,))
    if end != len(text) or not isinstance(message, dict):
        raise ProtocolViolation("a frame is not one JSON object")
    return message


class ProtocolViolation(Exception):
    pass


class Channel:
    def __init__(self, in_fd, out_fd, max_frame):
        self._in = in_fd
        self._out = out_fd
        self._max = max_frame
        self._buf = bytearray()
        self._out_lock = threading.Lock()
        self._pending = []
        self._flushing = False

    def read_frame(self):
        """The next frame's body, or None at end of input (the host is gone). Only the
        dispatcher's leader reads, one thread at a time."""
        buf = self._buf
        while True:
            if len(buf) >= 4:
                (size,) = _HEADER.unpack_from(buf)
                if size > self._max:
                    raise ProtocolViolation("frame of %d bytes exceeds the cap of %d" % (size, self._max))
                need = 4 + size
                if len(buf) >= need:
                    frame = buf[4:need]
                    del buf[:need]
                    return frame
                if size >= _DIRECT_READ_BYTES:
                    return self._read_body(size)
            chunk = os.read(self._in, 1 << 16)
            if not chunk:
                return None
            buf += chunk

    def _read_body(self, size):
        body = bytearray(size)
        view = memoryview(body)
        have = len(self._buf) - 4
        view[:have] = self._buf[4:]
        self._buf.clear()
        while have < size:
            count = os.readv(self._in, [view[have:]])
            if not count:
                return None
            have += count
        return body

    def send(self, message):
        """Queues one frame; the first thread to find nobody flushing writes the whole queue."""
        body = _encode(message).encode("ascii")
        frame = (_HEADER.pack(len(body)), body)
        with self._out_lock:
            self._pending.extend(frame)
            if self._flushing:
                return
            self._flushing = True
        while True:
            with self._out_lock:
                batch = self._pending
                if not batch:
                    self._flushing = False
                    return
                self._pending = []
            self._write_all(batch)

    def _write_all(self, buffers):
        written = 0
        if len(buffers) <= 512:
            written = os.writev(self._out, buffers)
            if written == sum(map(len, buffers)):
                return  # the usual case: all of it at once
        views = [memoryview(b) for b in buffers]
        while True:
            while written:
                if written >= len(views[0]):
                    written -= len(views[0])
                    views.pop(0)
                else:
                    views[0] = views[0][written:]
                    written = 0
            if not views:
                return
            written = os.writev(self._out, views[:512])


def _first_line(text, fallback):
    for line in str(text).splitlines():
        if line.strip():
            return line.strip()
    return fallback


def _error_fields(exc, skip_frames=1):
    import linecache
    import traceback
    for name, code in _SOURCES.items():
        linecache.cache[name] = (len(code), None, code.splitlines(True), name)
    tb = exc.__traceback__
    for _ in range(skip_frames):
        if tb is not None:
            tb = tb.tb_next
    fields = {
        "errorType": type(exc).__name__,
        "errorMessage": _first_line(exc, type(exc).__name__),
        "traceback": "".join(traceback.format_exception(type(exc), exc, tb)),
    }
    if isinstance(exc, SyntaxError):
        fields["errorMessage"] = "%s, line %s: %s" % (exc.filename, exc.lineno, exc.msg)
        fields["file"] = exc.filename
        fields["line"] = exc.lineno
    return fields


class Worker:
    def __init__(self, channel):
        self.channel = channel
        self.module = types.ModuleType(SOURCES_MODULE)
        # dataclasses, pickle and typing look classes up by module name.
        sys.modules[SOURCES_MODULE] = self.module
        self.namespace = self.module.__dict__
        self._takes_no_args = {}

    def call(self, message):
        call_id = message["callID"]
        try:
            function = self.namespace.get(message["func"])
            if not callable(function):
                raise NameError("no function named %r is defined by the sources" % (message["func"],))
            args = message.get("args")
            if args is None and self._accepts_no_args(function):
                result = function()
            else:
                result = function(args)
            reply = {"type": "call_done", "callID": call_id, "ok": True, "result": result}
            try:
                self.channel.send(reply)
                return
            except (TypeError, ValueError, RecursionError) as exc:
                raise TypeError("the result of %s() is not JSON-serialisable: %s"
                                % (message["func"], _first_line(exc, type(exc).__name__)))
        except BaseException as exc:  # SystemExit and KeyboardInterrupt from user code too
            reply = {"type": "call_done", "callID": call_id, "ok": False}
            reply.update(_error_fields(exc))
        self.channel.send(reply)

    def _accepts_no_args(self, function):
        answer = self._takes_no_args.get(function)
        if answer is None:
            import inspect
            try:
                params = inspect.signature(function).parameters.values()
                answer = all(p.default is not p.empty or p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD)
                             for p in params)
            except (TypeError, ValueError):
                answer = False
            self._takes_no_args[function] = answer
        return answer

    def define(self, message):
        reply = {"type": "op_done", "opID": message.get("opID")}
        try:
            for source in message["sources"]:
                name, code = source["name"], source["code"]
                _SOURCES[name] = code
                exec(compile(code, name, "exec"), self.namespace)
            reply.update(ok=True, functions=self.describe())
        except BaseException as exc:
            reply.update(ok=False, **_error_fields(exc))
        self.channel.send(reply)

    def describe(self):
        import inspect
        functions = []
        for name, obj in list(self.namespace.items()):
            if name.startswith("_") or not callable(obj) or getattr(obj, "__module__", None) != SOURCES_MODULE:
                continue
            try:
                signature = str(inspect.signature(obj))
            except (TypeError, ValueError):
                signature = "(...)"
            doc = obj.__doc__ if isinstance(obj.__doc__, str) else ""
            functions.append({"name": name, "signature": signature, "doc": inspect.cleandoc(doc)})
        return functions


class Dispatcher:
    """Runs calls on at most MAX_WORKERS threads, waking no second thread while calls are quick.

    One thread at a time, the leader, reads frames and runs each call itself, so a stream of
    short calls costs no thread switches. A standby thread looks every _TAKEOVER_SECONDS whether
    the leader is still in the same call; if so, it becomes the leader and reads on, and the old
    one, once its call returns, waits for a role again. A slow or blocking call thus holds up the
    calls behind it by about a millisecond, and at most MAX_WORKERS run at once. The remaining
    threads sleep until a standby is needed; an idle worker has no thread waking at all.
    """

    def __init__(self, worker, threads):
        self._worker = worker
        self._threads = max(1, threads)
        self._lock = threading.Lock()  # taken as is on the hot path: a Condition's with is Python code
        self._roles = threading.Condition(self._lock)  # spare threads wait here
        self._watch = threading.Condition(self._lock)  # the standby waits here
        self._leader = None
        self._standby = None
        self._standby_asleep = False
        self._in_call = False
        self._call_seq = 0  # the leader's calls so far: the standby's sign of progress

    def run(self):
        for _ in range(self._threads - 1):
            threading.Thread(target=self._serve, name="qtpyvenv-worker", daemon=True).start()
        self._serve()

    def _serve(self):
        me = threading.get_ident()
        try:
            while True:
                with self._roles:
                    while self._leader is not None:
                        if self._standby is None:
                            self._stand_by(me)
                        else:
                            self._roles.wait()
                    self._leader = me
                self._lead(me)
        except BaseException as exc:
            sys.stderr.write("qtpyvenv worker: protocol failure: %s\n" % (exc,))
            sys.stderr.flush()
            os._exit(70)

    def _stand_by(self, me):
        """Waits, holding the lock, until the leader is stuck in a call; then takes its place."""
        self._standby = me
        while True:
            if not self._in_call:
                self._standby_asleep = True
                self._watch.wait()
                self._standby_asleep = False
                continue
            seq = self._call_seq
            self._watch.wait(_TAKEOVER_SECONDS)
            if self._in_call and self._call_seq == seq:
                self._leader = None  # the caller's loop claims it
                self._standby = None
                self._in_call = False
                self._roles.notify()  # a spare becomes the next standby
                return

    def _lead(self, me):
        """Reads and runs frames until another thread took over during a call."""
        channel = self._worker.channel
        lock = self._lock
        while True:
            frame = channel.read_frame()
            if frame is None:
                os._exit(0)  # the host is gone
            message = _parse(frame.decode("utf-8"))
            kind = message.get("type")
            if kind == "call":
                with lock:
                    self._call_seq += 1
                    self._in_call = True
                    if self._standby_asleep:
                        self._watch.notify()
                self._worker.call(message)
                with lock:
                    if self._leader != me:
                        return
                    self._in_call = False
            elif kind == "define":
                self._worker.define(message)
            elif kind == "ping":
                channel.send({"type": "pong", "opID": message.get("opID")})
            else:
                raise ProtocolViolation("unknown frame type %r" % (kind,))


def main():
    in_fd, out_fd, max_workers, max_frame = (int(a) for a in sys.argv[1:5])
    for fd in (in_fd, out_fd):
        os.set_inheritable(fd, False)  # user subprocesses must not keep the pipes alive
    channel = Channel(in_fd, out_fd, max_frame)
    channel.send({"type": "ready", "protocol": PROTOCOL_VERSION, "pid": os.getpid(),
                  "python": "%d.%d.%d" % sys.version_info[:3], "executable": sys.executable})
    Dispatcher(Worker(channel), max_workers).run()


if __name__ == "__main__":
    main()
