# SPDX-License-Identifier: MIT
"""Fuzzes the worker's frame reader (Channel.read_frame, _message: _decode_flagged and _parse)
with a deterministic mutation loop over the seeds of tests/fuzz/corpus.

Every input must read as frames and messages, end (None at end of input), or fail with
ProtocolViolation or _Undecodable, the two errors the worker handles; the same whether the
bytes arrive at once or in small pieces; and within a bound of time. Inputs that break this are
written to $QTPYVENV_FUZZ_FAILURES (default: the temporary directory) to be kept as seeds
(tests/fuzz/corpus/regress-*).

    python3 tests/worker/test_fuzz_reader.py [--seconds N] [--iterations N] [--seed N]
"""
import argparse
import hashlib
import os
import random
import signal
import struct
import sys
import tempfile
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.normpath(os.path.join(HERE, "..", "..", "worker")))
CORPUS = os.path.normpath(os.path.join(HERE, "..", "fuzz", "corpus"))

import qtpyvenv_worker as W  # noqa: E402

# Small enough that a bogus length costs little, big enough that bodies of 1 MiB and more take
# the worker's direct read.
MAX_FRAME = 4 << 20
INPUT_SECONDS = 5  # one input taking longer is a hang
INTERESTING_WORDS = [0, 1, 2, 0x7B, 1 << 20, MAX_FRAME, MAX_FRAME + 1, W.LENGTH_MASK, 0xFFFFFFFF,
                     W.FLAG_TAGGED | 2, W.FLAG_PARTS | 8, W.FLAG_PARTS | W.FLAG_TAGGED | 40,
                     W.FLAG_RESERVED | 2]
TOKENS = [b"{", b"}", b"[", b"]", b'"', b"\\u0000", b'{"\\u0000":', b"NaN", b"-Infinity", b"1e999",
          b"9" * 30, b",", b":", b"\xff", b"\xc3", b"\x00" * 16, b"[" * 100, b'"type":"call"']


class Hang(BaseException):
    pass


class _Pieces:
    """os for the worker module, reading at most `size` bytes per call: read_frame() then meets
    every way a stream can arrive in parts."""

    def __init__(self, size):
        self._size = size

    def __getattr__(self, name):
        return getattr(os, name)

    def read(self, fd, count):
        return os.read(fd, min(count, self._size))

    def readv(self, fd, buffers):
        return os.readv(fd, [memoryview(buffers[0])[:self._size]])


def read_stream(data, piece=None):
    """(messages read, the error that ended the stream or None at its end)."""
    fd = os.memfd_create("qtpyvenv-fuzz")
    try:
        os.write(fd, data)
        os.lseek(fd, 0, os.SEEK_SET)
        channel = W.Channel(fd, -1, MAX_FRAME)
        W.os = _Pieces(piece) if piece else os
        messages = 0
        try:
            while True:
                frame = channel.read_frame()
                if frame is None:
                    return messages, None
                try:
                    message = W._message(frame)
                except W._Undecodable as bad:
                    refused(bad)
                    continue
                assert isinstance(message, dict), type(message)
                messages += 1
        except W.ProtocolViolation as violation:
            return messages, "%s: %s" % (type(violation).__name__, violation)
    finally:
        W.os = os
        os.close(fd)


class _Replies:
    def post(self, message):
        W._frame(message)


def refused(bad):
    """The worker's answer to a frame it could not read: a reply, or a ProtocolViolation."""
    worker = W.Worker.__new__(W.Worker)
    worker.channel = _Replies()
    worker.refuse(bad)


def mutate(rng, data, seeds):
    data = bytearray(data)
    for _ in range(rng.randint(1, 4)):
        kind = rng.randrange(9)
        at = rng.randint(0, len(data))
        if kind == 0 and data:
            data[rng.randrange(len(data))] ^= 1 << rng.randrange(8)
        elif kind == 1:
            data[at:at] = bytes(rng.randrange(256) for _ in range(rng.randint(1, 8)))
        elif kind == 2 and data:
            del data[at:at + rng.randint(1, 64)]
        elif kind == 3 and data:
            start = rng.randrange(len(data))
            data[at:at] = data[start:start + rng.randint(1, 256)]
        elif kind == 4:
            data[at:at + 4] = struct.pack(">I", rng.choice(INTERESTING_WORDS))
        elif kind == 5:
            data[at:at] = rng.choice(TOKENS)
        elif kind == 6:
            other = rng.choice(seeds)
            start = rng.randrange(len(other) + 1)
            data[at:] = other[start:]
        elif kind == 7:
            del data[at:]
        else:
            # A stray length prefix somewhere in the stream.
            data[at:at] = struct.pack(">I", rng.randrange(1 << 16))
    return bytes(data)


def _alarm(signum, frame):
    raise Hang()


class FuzzReaderTest(unittest.TestCase):
    seconds = 20.0
    iterations = 200000
    seed = 8

    def test_mutated_streams(self):
        seeds = []
        for name in sorted(os.listdir(CORPUS)):
            with open(os.path.join(CORPUS, name), "rb") as seed:
                seeds.append(seed.read())
        self.assertTrue(seeds, "no seeds in " + CORPUS)
        rng = random.Random(self.seed)
        previous = signal.signal(signal.SIGALRM, _alarm)
        deadline = time.monotonic() + self.seconds
        runs = 0
        try:
            for data in seeds:
                self.check(data)
            runs = len(seeds)
            while runs < self.iterations and time.monotonic() < deadline:
                self.check(mutate(rng, rng.choice(seeds), seeds), rng.choice([1, 3, 7, 4096]))
                runs += 1
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, previous)
        print("test_fuzz_reader: %d inputs in %.1f s" % (runs, self.seconds - (deadline - time.monotonic())),
              file=sys.stderr)

    def check(self, data, piece=1):
        signal.setitimer(signal.ITIMER_REAL, INPUT_SECONDS)
        try:
            whole = read_stream(data)
            pieces = read_stream(data, piece)
        except Hang:
            self.fail_with(data, "took more than %d s" % (INPUT_SECONDS,))
        except BaseException as exc:  # anything but the two errors the worker handles
            self.fail_with(data, "raised %s: %s" % (type(exc).__name__, exc))
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
        if whole != pieces:
            self.fail_with(data, "read at once %r, in pieces of %d %r" % (whole, piece, pieces))

    def fail_with(self, data, problem):
        folder = os.environ.get("QTPYVENV_FUZZ_FAILURES", tempfile.gettempdir())
        path = os.path.join(folder, "qtpyvenv-fuzz-" + hashlib.sha1(data).hexdigest()[:12])
        with open(path, "wb") as out:
            out.write(data)
        self.fail("an input %s; it is in %s" % (problem, path))


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=FuzzReaderTest.seconds)
    parser.add_argument("--iterations", type=int, default=FuzzReaderTest.iterations)
    parser.add_argument("--seed", type=int, default=FuzzReaderTest.seed)
    options, rest = parser.parse_known_args()
    FuzzReaderTest.seconds, FuzzReaderTest.iterations, FuzzReaderTest.seed = \
        options.seconds, options.iterations, options.seed
    unittest.main(argv=[sys.argv[0]] + rest)
