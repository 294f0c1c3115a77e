# SPDX-License-Identifier: MIT
"""QtPyVenv worker: serves one host process over a private socket.

Run as: QTPYVENV_PROTOCOL_FD=FD[,PIPE] python qtpyvenv_worker.py MAX_WORKERS MAX_FRAME_BYTES
as a child subreaper (see _guard), FD being the worker's end of the socket and PIPE, when given,
the write end of the pipe for its frames under _BULK_LANE_BYTES (see Channel); the host runs
qtpyvenv_start.py the same way, which imports this so that its bytecode is cached. Through a
launcher (ssh, srun, a container) it runs as

    python qtpyvenv_start.py MAX_WORKERS MAX_FRAME_BYTES stdio

with the protocol on its stdin and stdout instead, which it takes over at once (see _take_stdio).

Frames (docs/protocol.md, version 2) are a 4-byte big-endian word, flags in its top 3 bits and
the body's length below, and a body: a UTF-8 JSON object, or with the PARTS flag a part table,
the JSON and aligned binary parts. They travel on FD, never on fd 0/1/2, so user code may print,
write to sys.stderr or to fd 1 from C freely; over stdio, fd 1 and 2 are pipes the worker reads
and forwards as output frames.

MAX_WORKERS threads serve calls, one of them at a time reading frames, and a watcher reads while
all of them are in calls, so that a cancel always gets through: see Dispatcher. How values
convert to and from the wire is in qtpyvenv.py, next to this file (sys.path[0]), which user
sources import as `qtpyvenv`. Stdlib only; Python >= 3.8.
"""
import collections
import errno
import io
import json
import os
import re
import select
import signal
import struct
import sys
import threading
import time
import types

def _import_module():
    """Imports qtpyvenv with its bytecode cached next to it, even where PYTHONDONTWRITEBYTECODE
    is set: compiling it costs more of every start than anything else the worker does. The
    host removes meta/__pycache__ with the rest of what it made."""
    writes = sys.dont_write_bytecode
    sys.dont_write_bytecode = False
    try:
        import qtpyvenv
    finally:
        sys.dont_write_bytecode = writes
    return qtpyvenv


qtpyvenv = _import_module()
from qtpyvenv import _default, _reset, _state  # noqa: E402

# traceback, linecache and inspect are imported when first needed: they cost a few
# milliseconds of every start.

PROTOCOL_VERSION = 2
SOURCES_MODULE = "__qtpyvenv__"
_HEADER = struct.Struct(">I")
FLAG_TAGGED = 0x20000000
FLAG_PARTS = 0x40000000
FLAG_RESERVED = 0x80000000
LENGTH_MASK = 0x1FFFFFFF
_ZEROS = bytes(32)
_DIRECT_READ_BYTES = 1 << 20  # a body this big is read straight into its own buffer
# With a frame pipe, frames this big go on the socket instead, each announced by the marker on
# the pipe: a pipe costs the kernel about half of a socket per small message, while a socket
# moves big frames faster.
_BULK_LANE_BYTES = 16 * 1024
_BULK_MARKER = struct.pack(">I", 0x80000000)
_SOURCES = {}  # name -> code, for tracebacks
# How long the reading thread may spend in one frame before another thread reads on.
_TAKEOVER_SECONDS = 0.001
# A result text this short cannot nest deeper than qtpyvenv._MAX_DEPTH.
_DEEP_TEXT = 2 * (qtpyvenv._MAX_DEPTH + 2)
_max_frame = LENGTH_MASK  # main() sets the host's cap
_NOTHING = object()
_EMPTY = {}
# The reply of a call that returned, as _encode() writes it: filled in rather than encoded as a dict.
_RETURNED = '{"type":"call_done","callID":%d,"ok":true,"result":%s}'
# ASCII output: CPython's ASCII escaper is about twice as fast as the Unicode one on large strings.
# NaN and infinities as the literals NaN, Infinity, -Infinity; what is not JSON goes to
# qtpyvenv._default, which turns it into tag objects and parts.
_encoder = json.JSONEncoder(ensure_ascii=True, allow_nan=True, separators=(",", ":"),
                            check_circular=False, default=_default)
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
        encode = make(None, _default, json.encoder.encode_basestring_ascii, None,
                      ":", ",", False, False, True)
        sample = {"a": [1, 2.5, -3e300, "x\u00e9\n", None, True, float("nan")], "b": {}}
        if "".join(encode(sample, 0)) != _encoder.encode(sample):
            return None
    except Exception:
        return None
    return lambda message: "".join(encode(message, 0))


_encode = _direct_encoder() or _encode
# json.loads() wraps the C scanner in several Python-level calls and two regular expression
# matches, which cost more than the parsing of a small frame.
_scan = json.decoder.JSONDecoder().scan_once
_arguments = qtpyvenv._ArgumentDecoder()  # for TAGGED frames: tag objects to Python values
# The host writes "type" and the call's or operation's id first: enough to fail that one call
# when its arguments cannot be read.
_FRAME_HEAD = re.compile(r'\s*\{\s*"type"\s*:\s*"(\w+)"\s*,\s*"(callID|opID)"\s*:\s*(-?\d{1,20})'
                         r'(?:\s*,\s*"func"\s*:\s*"([^"\\]{0,200})")?')


def _parse(text, parts=None):
    """One frame's JSON object; with `parts` (a frame with tag objects), its values converted."""
    try:
        if parts is None:
            message, end = _scan(text, 0)
        else:
            message, end = _arguments.decode(text, parts)
    except StopIteration as stop:
        raise ProtocolViolation("a frame is not JSON (at character %s)" % (stop.value,))
    except Exception as exc:
        raise _undecodable(text, exc)
    if end != len(text) or not isinstance(message, dict):
        raise ProtocolViolation("a frame is not one JSON object")
    return message


def _undecodable(text, exc):
    if isinstance(exc, json.JSONDecodeError):
        return ProtocolViolation("a frame is not JSON: %s" % (exc,))
    return _Undecodable(text, exc)


def _message(frame):
    """The message of a frame as Channel.read_frame() returned it. Raises ProtocolViolation, or
    _Undecodable for a frame that fails only its call."""
    try:
        if type(frame) is tuple:
            return _decode_flagged(*frame)
        return _parse(str(frame, "utf-8"))  # a bytearray, or a view of a big body
    except UnicodeDecodeError as exc:
        raise ProtocolViolation("a frame is not UTF-8 (%s at byte %d)" % (exc.reason, exc.start)) from None


def _decode_flagged(flags, body):
    """The message of a frame with flags: the part table checked, tag objects converted."""
    if flags & FLAG_RESERVED:
        raise ProtocolViolation("a frame has the reserved flag")
    parts = ()
    if flags & FLAG_PARTS:
        size = len(body)
        if size < 8:
            raise ProtocolViolation("a frame with parts has no part table")
        count, json_size = struct.unpack_from(">II", body, 0)
        start = 8 + 4 * count
        if start > size:
            raise ProtocolViolation("a part table of %d parts does not fit its frame" % (count,))
        end = start + json_size
        offset = end
        view = memoryview(body)
        parts = []
        for part_size in struct.unpack_from(">%dI" % (count,), body, 8):
            offset += 16 + (-offset & 15)  # 16 to 31 bytes of pad: aligned, and room before it
            parts.append(view[offset:offset + part_size])
            offset += part_size
        if end > size or offset != size:
            raise ProtocolViolation("the part table of a frame does not add up (%d bytes, not %d)"
                                    % (offset, size))
        text = str(view[start:end], "utf-8")
    else:
        text = str(body, "utf-8")
    return _parse(text, parts if flags & FLAG_TAGGED else None)


def _frame(message, value=_NOTHING):
    """The buffers of one frame, for os.writev. `value`, the result a call_done carries, is
    checked for depth and named in errors. Raises what the encoder raised, or _SendError.
    Worker.call() has this inlined."""
    try:
        text = _encode(message)
    except BaseException:
        _reset()
        raise
    if _state.tags or len(text) >= _DEEP_TEXT:
        return _checked_frame(text, value)
    body = text.encode("ascii")
    return (_HEADER.pack(len(body)), body)


def _checked_frame(text, value):
    """The frame of an encoded message that holds tag objects, or is long enough to need the
    depth check and the cap."""
    if _state.tags:
        return _tagged_frame(text, value)
    body = text.encode("ascii")
    _check_depth(text, body, value)
    if len(body) > _max_frame:
        raise _too_big(len(body))
    return (_HEADER.pack(len(body)), body)


def _tagged_frame(text, value):
    """A frame whose JSON holds tag objects; with parts when the conversions made some."""
    state = _state
    try:
        tags, parts = state.tags, state.parts
        # Every tag object is written as {"\u0000":...}; a user's dict with that key would be
        # taken for one. A quote before \u0000 in a string is escaped, so \"\u0000": can only
        # be a user's key ending in a quote: counted apart only when the first count is off.
        if text.count('"\\u0000":') != tags and \
                text.count('{"\\u0000":') + text.count(',"\\u0000":') != tags:
            raise _SendError("TypeError", None, reserved_key=True)
        body = text.encode("ascii")
        _check_depth(text, body, value)
        if not parts:
            if len(body) > _max_frame:
                raise _too_big(len(body))
            return [_HEADER.pack(FLAG_TAGGED | len(body)), body]
        sizes = [len(part) for part in parts]
        table = struct.pack(">%dI" % (len(parts) + 2,), len(parts), len(body), *sizes)
        buffers = [None, table, body]
        offset = len(table) + len(body)
        for part, size in zip(parts, sizes):
            pad = 16 + (-offset & 15)  # aligned, and at least 16 bytes after what precedes
            buffers.append(_ZEROS[:pad])
            offset += pad
            if size:
                buffers.append(part)
                offset += size
        if offset > _max_frame:
            raise _too_big(offset)
        buffers[0] = _HEADER.pack(FLAG_TAGGED | FLAG_PARTS | offset)
        return buffers
    finally:
        _reset()


def _check_depth(text, body, value):
    """Refuses a result nested deeper than the protocol allows: from the text when it can tell
    (C-speed), else by walking the value."""
    if value is _NOTHING or not qtpyvenv._may_be_too_deep(text):
        return
    deep = qtpyvenv._text_too_deep(body)
    if deep is None:
        deep = qtpyvenv._depth_exceeded(value)
    if deep:
        raise _SendError("ValueError", "is nested deeper than %d levels" % (qtpyvenv._MAX_DEPTH,))


def _too_big(size):
    return _SendError("ValueError", "makes a frame of %d bytes, over the cap of %d bytes"
                      % (size, _max_frame), whole=True)


class _SendError(Exception):
    """A result that cannot be sent, found after encoding it."""

    def __init__(self, error_type, problem, reserved_key=False, whole=False):
        Exception.__init__(self, problem)
        self.error_type = error_type
        self.problem = problem
        self.reserved_key = reserved_key
        self.whole = whole


class _Undecodable(Exception):
    """A frame whose JSON is well-formed but cannot become Python values (too deep, an int
    with too many digits, bad tag content): fails that one call or operation."""

    def __init__(self, text, error):
        Exception.__init__(self, str(error))
        self.text = text
        self.error = error


class ProtocolViolation(Exception):
    pass


class _BodyPool:
    """Buffers for big frame bodies, reused once nothing holds them any more.

    A big body needs memory that user code may keep (arrays arrive as views of it), so each
    frame used to get a fresh buffer; but touching fresh pages costs more than the copy into
    them (here 45 ms against 16 ms for 64 MiB). A buffer whose only references are the pool's
    own is free again: the views of the last call that used it are gone.
    """

    _KEEP = 2

    def __init__(self):
        self._buffers = []

    def take(self, size):
        """A writable view of exactly `size` bytes."""
        for buffer in self._buffers:
            # References: the list, this loop's name, getrefcount's argument (enumerate() would
            # add its own).
            if size <= len(buffer) <= 2 * size and sys.getrefcount(buffer) == 3:
                return memoryview(buffer)[:size]
        buffer = bytearray(size)
        if len(self._buffers) >= self._KEEP:
            self._buffers.pop(0)  # the oldest: still in use, or too small
        self._buffers.append(buffer)
        return memoryview(buffer)


class _BulkFrame(tuple):
    """The buffers of a frame for the bulk lane, as one item of the frame lane's queue, right
    after its marker."""


class Channel:
    """Frames in on `in_fd`; frames out on `out_fd`, and with `bulk_fd` (two lanes) those of
    _BULK_LANE_BYTES or more on `bulk_fd`, each after a bulk marker on `out_fd` that stands where
    the frame belongs in the order (lib/frameinput.h reads them back in that order)."""

    def __init__(self, in_fd, out_fd, max_frame, bulk_fd=None):
        self._in = in_fd
        self._out = out_fd
        self._bulk = bulk_fd
        self._max = min(max_frame, LENGTH_MASK)
        self._buf = bytearray()
        self._pool = _BodyPool()
        self._out_lock = threading.Lock()
        self._pending = []
        self._flushing = False
        self._handed_over = False  # post() gave the flush to the writer, which has not begun it
        self._writer_bell = threading.Condition(self._out_lock)
        self._writer = None  # the thread that flushes for post(), started by the first one

    def read_frame(self):
        """The next frame's body, (flags, body) for a frame with flags, or None at end of input
        (the host is gone). Only the dispatcher's leader reads, one thread at a time."""
        buf = self._buf
        while True:
            if len(buf) >= 4:
                (size,) = _HEADER.unpack_from(buf)
                if size > self._max:  # a flag is set (the cap is below 2**29), or too big
                    return self._read_flagged(size)
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

    def _read_flagged(self, word):
        if word & FLAG_RESERVED:
            raise ProtocolViolation("a frame has the reserved flag (word %#x)" % (word,))
        size = word & LENGTH_MASK
        if size > self._max:
            raise ProtocolViolation("frame of %d bytes exceeds the cap of %d" % (size, self._max))
        buf = self._buf
        need = 4 + size
        while len(buf) < need:
            if size >= _DIRECT_READ_BYTES:
                body = self._read_body(size)
                return None if body is None else (word - size, body)
            chunk = os.read(self._in, 1 << 16)
            if not chunk:
                return None
            buf += chunk
        frame = buf[4:need]
        del buf[:need]
        return (word - size, frame)

    def _read_body(self, size):
        """A big body, read straight into a buffer of the pool (a memoryview)."""
        body = view = self._pool.take(size)
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
        self.write(_frame(message))

    def write(self, frame):
        """Writes one frame's buffers, or queues them while another thread flushes; that thread
        writes the whole queue."""
        if self._bulk is not None and (len(frame) != 2 or len(frame[1]) >= _BULK_LANE_BYTES):
            frame = self._routed(frame)
        with self._out_lock:
            if self._flushing:
                self._pending += frame
                return
            self._flushing = True
        if type(frame[-1]) is _BulkFrame:
            self._write_lanes(frame)
        else:
            self._write_all(self._out, frame)  # the usual case: straight out, without the queue
        with self._out_lock:
            if not self._pending:
                self._flushing = False
                return
        self._flush()

    def post(self, message):
        """send() for the thread that reads: it queues the frame and never writes, so that no
        flush holds up reading. A flush lasts while other threads queue frames faster than the
        host takes them (a stream of partial results over a slow link), and cancels and pings
        would wait behind it."""
        frame = _frame(message)
        if self._bulk is not None:
            frame = self._routed(frame)
        with self._out_lock:
            self._pending.extend(frame)
            if self._flushing:
                return
            self._flushing = self._handed_over = True
            if self._writer is None:
                self._writer = threading.Thread(target=Dispatcher._guard, args=(self._write_posted,),
                                                name="qtpyvenv-writer", daemon=True)
                self._writer.start()  # it takes the lock once this thread lets go of it
            self._writer_bell.notify()

    def _write_posted(self):
        while True:
            with self._out_lock:
                while not self._handed_over:
                    self._writer_bell.wait()
                self._handed_over = False
            self._flush()

    def _flush(self):
        """Writes the queue until it is empty; the caller set _flushing."""
        while True:
            with self._out_lock:
                batch = self._pending
                if not batch:
                    self._flushing = False
                    return
                self._pending = []
            if self._bulk is None:
                self._write_all(self._out, batch)
            else:
                self._write_lanes(batch)

    @staticmethod
    def _routed(frame):
        """A frame for two lanes: as it is when small, else its marker and itself as a
        _BulkFrame."""
        if 4 + (_HEADER.unpack(frame[0])[0] & LENGTH_MASK) < _BULK_LANE_BYTES:
            return frame
        return (_BULK_MARKER, _BulkFrame(frame))

    def _write_lanes(self, buffers):
        """Writes the frame lane's buffers, and each bulk frame on the bulk lane once what
        precedes it, its marker last, is on the frame lane."""
        start = 0
        for index, buffer in enumerate(buffers):
            if type(buffer) is _BulkFrame:
                if start < index:
                    self._write_all(self._out, buffers[start:index])
                self._write_all(self._bulk, buffer)
                start = index + 1
        if start < len(buffers):
            self._write_all(self._out, buffers[start:])

    @staticmethod
    def _write_all(fd, buffers):
        written = 0
        if len(buffers) <= 512:
            written = os.writev(fd, buffers)
            left = written
            for buffer in buffers:
                left -= len(buffer)
            if not left:
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
            written = os.writev(fd, views[:512])


def _first_line(text, fallback):
    for line in str(text).splitlines():
        if line.strip():
            return line.strip()
    return fallback


_OWN_FILES = set()  # the worker's files: their frames never show in a traceback


def _own_files():
    if not _OWN_FILES:
        for path in (__file__, qtpyvenv.__file__, json.encoder.__file__):
            _OWN_FILES.update((path, os.path.abspath(path), os.path.realpath(path)))
    return _OWN_FILES


def _error_fields(exc):
    """errorType, errorMessage and traceback of an exception, showing no frame of the worker's
    own (the call into user code, the conversion of its result): user frames only."""
    import linecache
    import traceback
    for name, code in _SOURCES.items():
        linecache.cache[name] = (len(code), None, code.splitlines(True), name)
    own = _own_files()
    report = traceback.TracebackException(type(exc), exc, exc.__traceback__)
    seen = set()
    pending = [report]
    while pending:
        item = pending.pop()
        if item is None or id(item) in seen:
            continue
        seen.add(id(item))
        item.stack = traceback.StackSummary.from_list(
            [frame for frame in item.stack if frame.filename not in own])
        pending.append(getattr(item, "__cause__", None))
        pending.append(getattr(item, "__context__", None))
    fields = {
        "errorType": type(exc).__name__,
        "errorMessage": _first_line(exc, type(exc).__name__),
        "traceback": "".join(report.format()),
    }
    if isinstance(exc, SyntaxError):
        fields["errorMessage"] = "%s, line %s: %s" % (exc.filename, exc.lineno, exc.msg)
        fields["file"] = exc.filename
        fields["line"] = exc.lineno
    return fields


def _flush_output():
    """Sends what a call printed on to the host before its result: user code may have left it
    in Python's buffers (PYTHONUNBUFFERED set empty, streams of its own); over stdio, what fd 1
    and fd 2 took is forwarded too."""
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except Exception:  # None, closed, or without flush(): nothing to send
            pass
    if _forwarder is not None:
        _forwarder.drain()


_OUTPUT_JSON = (None, b'{"type":"output","fd":1,"data":{"\\u0000":0}}',
                b'{"type":"output","fd":2,"data":{"\\u0000":0}}')


def _output_frame(fd, data):
    """The buffers of an output frame: what fd 1 or fd 2 took, as the frame's one part."""
    text = _OUTPUT_JSON[fd]
    offset = 12 + len(text)
    pad = 16 + (-offset & 15)
    return (_HEADER.pack(FLAG_TAGGED | FLAG_PARTS | (offset + pad + len(data))),
            struct.pack(">III", 1, len(text), len(data)), text, _ZEROS[:pad], data)


class _OutputForwarder:
    """Over stdio, fd 1 and fd 2 are pipes: this sends what they take (print(), writes from C,
    subprocesses) to the host as output frames. A thread forwards it as it comes; a call drains
    both pipes before its result goes out, so what it wrote arrives first. Reading a chunk and
    queueing its frame happen under one lock, so a drain that returns has sent all that was
    written before it began."""

    _CHUNK = 1 << 16
    # A pipe holds at most 64 KiB unless made bigger: what a call wrote before it returned is
    # read in far fewer rounds; more would let another thread's print storm hold up the result.
    _DRAIN_ROUNDS = 16

    def __init__(self, channel, pipes):
        self._channel = channel
        self._lock = threading.Lock()
        self._fds = {}  # pipe -> 1 or 2
        self._waiting = select.poll()  # the thread's: a poll object serves one thread at a time
        self._ready = select.poll()  # drain()'s, under the lock
        for fd, pipe in zip((1, 2), pipes):
            os.set_blocking(pipe, False)
            self._fds[pipe] = fd
            self._waiting.register(pipe, select.POLLIN)
            self._ready.register(pipe, select.POLLIN)

    def start(self):
        threading.Thread(target=Dispatcher._guard, args=(self._forward,), name="qtpyvenv-output",
                         daemon=True).start()

    def _forward(self):
        while self._fds:
            self._waiting.poll()
            self.drain()

    def drain(self):
        with self._lock:
            for pipe, _ in self._ready.poll(0):
                fd = self._fds.get(pipe)
                for _ in range(self._DRAIN_ROUNDS):
                    try:
                        data = os.read(pipe, self._CHUNK)
                    except BlockingIOError:
                        break
                    if not data:  # every writer closed it: nothing more can come
                        del self._fds[pipe]
                        self._waiting.unregister(pipe)
                        self._ready.unregister(pipe)
                        break
                    self._channel.write(_output_frame(fd, data))
                    if len(data) < self._CHUNK:
                        break


_forwarder = None  # the _OutputForwarder over stdio
_diagnostics_fd = 2  # where the worker's own last words go: the host's pipe, or the launcher's stderr


def _report_failure(text):
    try:
        os.write(_diagnostics_fd, ("qtpyvenv worker: %s\n" % (text,)).encode("utf-8", "replace"))
    except OSError:
        pass


def _plain_error(error_type, message):
    """Error fields for an error of the worker's finding: no frames at all."""
    return {"errorType": error_type, "errorMessage": message,
            "traceback": "%s: %s\n" % (error_type, message)}


class Worker:
    def __init__(self, channel):
        self.channel = channel
        self.module = types.ModuleType(SOURCES_MODULE)
        # dataclasses, pickle and typing look classes up by module name.
        sys.modules[SOURCES_MODULE] = self.module
        self.namespace = self.module.__dict__
        self._takes_no_args = {}
        self._slot = None  # for calls made without a dispatcher

    def call(self, message, slot=None):
        """Runs one call and sends its call_done, after its partial results and its last
        progress. `slot` is the state of the thread's calls, which the dispatcher has set for
        this one; without it (tests) the worker's own."""
        if slot is None:
            slot = self._own_slot(message["callID"])
        failure = None
        try:
            try:
                slot.phase = _IN_USER_CODE  # from here on a cancel raises Cancelled in this thread
                if slot.cancelled:
                    raise qtpyvenv.Cancelled
                function = self.namespace.get(message["func"])
                if not callable(function):
                    raise NameError("no function named %r is defined by the sources" % (message["func"],))
                args = message.get("args", _NOTHING)
                if args is _NOTHING:  # {"argv": [...], "kwargs": {...}}, either may be absent
                    result = function(*message.get("argv", ()), **message.get("kwargs", _EMPTY))
                elif args is None and self._accepts_no_args(function):
                    result = function()
                else:
                    result = function(args)
                if type(result) is _GENERATOR:
                    result = self._stream(result, slot)
            except BaseException as exc:  # SystemExit and KeyboardInterrupt from user code too
                failure = exc
            slot.phase = _USER_CODE_OVER  # slot.end_user_code(), inlined
            if slot.cancelled or slot.foreign:
                slot.end_user_code()
        except qtpyvenv.Cancelled:
            # A cancel's exception that arrived after the user code was over, before
            # end_user_code() took it back: the call is cancelled, and no second one can come.
            slot.end_user_code()
        _flush_output()  # what the call printed arrives before its call_done, however it ended
        call_id = message["callID"]
        if slot.done is not None:
            slot.flush_progress()
        slot.call_id = None  # nothing of this call is sent after its call_done
        if slot.cancelled:
            slot.cancelled = False  # here rather than for every call in the dispatcher
            self.channel.send(_cancelled_reply(call_id, failure, "the call was cancelled"))
            return
        if failure is not None:
            reply = {"type": "call_done", "callID": call_id, "ok": False}
            if isinstance(failure, _Unstreamable):
                reply.update(self._unsendable(message.get("func"), failure.value, failure.error,
                                              "partial result %d" % (failure.number,), "value"))
            else:
                reply.update(_error_fields(failure))
            self.channel.send(reply)
            return
        try:
            # _frame(), inlined for the usual small plain-JSON result.
            if type(call_id) is int:
                text = _RETURNED % (call_id, _encode(result))
            else:
                text = _encode({"type": "call_done", "callID": call_id, "ok": True, "result": result})
            if _state.tags or len(text) >= _DEEP_TEXT:
                frame = _checked_frame(text, result)
            else:
                body = text.encode("ascii")
                frame = (_HEADER.pack(len(body)), body)
        except BaseException as exc:
            reply = {"type": "call_done", "callID": call_id, "ok": False}
            reply.update(self._unsendable(message.get("func"), result, exc))
            self.channel.send(reply)
            return
        self.channel.write(frame)

    def _own_slot(self, call_id):
        slot = self._slot
        if slot is None:
            slot = self._slot = _Slot(threading.get_ident(), self.channel, threading.Lock())
        qtpyvenv._current_call.set(slot)
        slot.begin(call_id)
        return slot

    @staticmethod
    def _stream(generator, slot):
        """Sends what a generator yields as partial results, in order; the call's result is its
        return value, or the last value it yielded when that is None. The generator is closed
        (its finally blocks run) when the call fails or is cancelled on the way."""
        call_id = slot.call_id
        last = None
        number = 0
        try:
            while True:
                try:
                    value = next(generator)
                except StopIteration as stop:
                    return last if stop.value is None else stop.value
                number += 1
                held = slot.hold()
                try:
                    try:
                        frame = _frame({"type": "partial", "callID": call_id, "value": value}, value)
                    except Exception as exc:
                        raise _Unstreamable(number, value, exc) from None
                    slot.channel.write(frame)
                finally:
                    slot.release(held)
                last = value
        except BaseException:
            generator.close()
            raise

    def _unsendable(self, func, result, exc, what="result", root="result"):
        """The error of a result (or of the partial result `what`) that could not be encoded:
        where in it, what, and what to do; frames of the user's converters only."""
        _reset()
        prefix = "the %s of %s() cannot be sent: " % (what, func)
        if isinstance(exc, _SendError) and exc.whole:
            return _plain_error(exc.error_type, prefix + "it " + exc.problem)
        reserved = isinstance(exc, _SendError) and exc.reserved_key
        try:
            found = qtpyvenv._find_problem(result, root, reserved)
        except BaseException as walk_error:  # never let the diagnosis take the worker down
            found = None
            exc = walk_error if not isinstance(exc, _SendError) else exc
        finally:
            _reset()
        if found is None:
            if isinstance(exc, _SendError):
                if exc.problem:
                    return _plain_error(exc.error_type, prefix + root + " " + exc.problem)
                exc = TypeError("a dict in it has the key \"\\x00\", which the wire protocol reserves")
            if isinstance(exc, RecursionError):
                return _plain_error("RecursionError", prefix + root + " is nested too deeply, or "
                                    "contains itself")
            fields = _error_fields(exc)
            fields["errorMessage"] = prefix + fields["errorMessage"]
            return fields
        path, problem, cause = found
        message = prefix + qtpyvenv._path_text(path) + " " + problem
        if cause is not None:
            fields = _error_fields(cause)
            fields["errorMessage"] = message
            return fields
        error_type = "TypeError"
        if "nested deeper" in problem or "circular" in problem or "digits" in problem:
            error_type = "ValueError"
        return _plain_error(error_type, message)

    def refuse(self, bad):
        """Fails the call (or operation) whose frame could not be read, when the frame says which;
        else the protocol is broken."""
        head = _FRAME_HEAD.match(bad.text, 0, 400)
        error = bad.error
        if isinstance(error, RecursionError):
            what = "they are nested too deeply"
        else:
            what = _first_line(error, type(error).__name__)
        if head is not None and head.group(1) == "call" and head.group(2) == "callID":
            func = head.group(4)
            reply = {"type": "call_done", "callID": int(head.group(3)), "ok": False}
            reply.update(_plain_error(type(error).__name__, "the arguments of the call%s cannot be "
                                      "read: %s" % (" to %s()" % (func,) if func else "", what)))
        elif head is not None and head.group(1) == "define" and head.group(2) == "opID":
            reply = {"type": "op_done", "opID": int(head.group(3)), "ok": False}
            reply.update(_plain_error(type(error).__name__, "the sources cannot be read: " + what))
        else:
            raise ProtocolViolation("a frame cannot be read: %s" % (what,))
        self.channel.post(reply)  # only the thread that reads refuses

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
        _flush_output()  # what the sources printed arrives before op_done
        self.channel.send(reply)

    def describe(self):
        import inspect
        functions = []
        for name, obj in list(self.namespace.items()):
            if name.startswith("_") or not callable(obj) or getattr(obj, "__module__", None) != SOURCES_MODULE:
                continue
            params = []
            try:
                signature = inspect.signature(obj)
                text = str(signature)
                params = [_describe_param(p) for p in signature.parameters.values()]
            except (TypeError, ValueError):
                text = "(...)"
            doc = obj.__doc__ if isinstance(obj.__doc__, str) else ""
            functions.append({"name": name, "signature": text, "doc": inspect.cleandoc(doc),
                              "params": params})
        return functions


def _describe_param(param):
    """{"name", "kind", "default"?: repr, "annotation"?: text} of an inspect.Parameter."""
    import inspect
    entry = {"name": param.name, "kind": param.kind.name}
    if param.default is not param.empty:
        try:
            entry["default"] = repr(param.default)
        except Exception:
            entry["default"] = "<%s>" % (type(param.default).__name__,)
    if param.annotation is not param.empty:
        annotation = param.annotation
        try:
            entry["annotation"] = annotation if isinstance(annotation, str) else \
                inspect.formatannotation(annotation)
        except Exception:
            entry["annotation"] = "<%s>" % (type(annotation).__name__,)
    return entry


# --- long calls: progress, partial results, cancel (docs/protocol.md, "Long calls") ------------

_IN_USER_CODE, _SENDING, _USER_CODE_OVER = 1, 2, 0  # _Slot.phase
_PROGRESS_SECONDS = 0.05  # how often a call's progress may be reported
_GENERATOR = types.GeneratorType
_set_async_exc = None  # PyThreadState_SetAsyncExc, once _prepare_cancel() made it


def _prepare_cancel():
    """Makes _set_async_exc. Not at start: importing ctypes costs milliseconds, many more while
    a call holds the GIL (each of its file reads then waits a switch interval for it back)."""
    global _set_async_exc
    if _set_async_exc is None:
        import ctypes
        function = ctypes.pythonapi.PyThreadState_SetAsyncExc
        function.argtypes = (ctypes.c_ulong, ctypes.py_object)
        function.restype = ctypes.c_int
        _set_async_exc = lambda ident, exc: function(ident, ctypes.py_object() if exc is None else exc)


def _async_exc(ident, exc):
    """Raises `exc` in the thread `ident` when it next runs Python code; None takes back one
    that has not been raised yet."""
    _prepare_cancel()
    _set_async_exc(ident, exc)


class _Slot:
    """The state of the calls one worker thread runs, one at a time: which call, whether it was
    cancelled and where its code is, and its progress. qtpyvenv._call() in the thread.

    A cancel raises qtpyvenv.Cancelled in the thread only while the call's own code runs
    (phase _IN_USER_CODE), never while the worker sends one of its frames: half a frame would
    break the protocol. The thread changes phase without the lock and then looks at
    `cancelled`, which cancel() sets before it looks at the phase; cancel() holds the lock, so
    a thread that sees `cancelled` takes the lock to take back an exception not yet raised.
    """

    __slots__ = ("ident", "channel", "lock", "call_id", "phase", "cancelled", "signalled",
                 "foreign", "done", "total", "message", "due", "sent", "bar", "bar_call")

    def __init__(self, ident, channel, lock):
        self.ident = ident
        self.channel = channel
        self.lock = lock  # the dispatcher's
        self.call_id = None
        self.phase = _USER_CODE_OVER
        self.cancelled = False
        self.signalled = False  # Cancelled was raised in the thread, or still waits to be
        self.foreign = False  # another thread reported this call's progress (a tqdm bar)
        self.done = None  # of the last progress(); None: no report pending
        self.total = self.message = None
        self.due = False  # progress() reports: the call began, the clock ticked, or a cancel came
        self.sent = None  # the last progress message sent
        self.bar = None  # weak reference to the tqdm bar that reports the call's progress
        self.bar_call = None

    def begin(self, call_id):
        """A new call; the dispatcher's lock is held."""
        self.call_id = call_id
        self.cancelled = False
        self.done = None
        self.due = True

    def cancel(self, call_id):
        """Cancels the call if it is still this slot's, once; the lock is held."""
        if self.call_id != call_id or self.cancelled:
            return
        self.cancelled = True
        self.due = True  # progress() raises Cancelled
        if self.phase is _IN_USER_CODE:
            _async_exc(self.ident, qtpyvenv.Cancelled)
            self.signalled = True

    def end_user_code(self):
        """The call's code has returned: from now on nothing is raised in the thread."""
        self.phase = _USER_CODE_OVER
        if self.cancelled or self.foreign:
            with self.lock:  # waits for a cancel() or a foreign report under way
                if self.signalled:
                    _async_exc(self.ident, None)
                    self.signalled = False
                self.foreign = False

    def hold(self):
        """Keeps the cancel's exception out of the thread while the worker makes and writes a
        frame of the call in it (its encoder state and the channel would be left half way);
        raises Cancelled instead when the call was cancelled. For release()."""
        if self.phase is not _IN_USER_CODE:
            return False
        self.phase = _SENDING
        if self.cancelled:
            self._stop()
        return True

    def release(self, held):
        """Back to the call's code after hold(); raises Cancelled if it came meanwhile."""
        if held:
            self.phase = _IN_USER_CODE
            if self.cancelled:
                self._stop()

    def _stop(self):
        self.phase = _IN_USER_CODE
        with self.lock:
            if self.signalled:
                _async_exc(self.ident, None)  # this one is raised instead
        raise qtpyvenv.Cancelled

    def tick(self):
        """progress() when a report is due: stops a cancelled call, else reports."""
        self.due = False
        if self.cancelled and self.phase is _IN_USER_CODE:
            self._stop()
        if self.call_id is not None:
            self._report()

    def _report(self):
        held = self.hold()
        try:
            message = self._progress_message()
            if message != self.sent:
                self.sent = message
                self.channel.write(_frame(message))
        finally:
            self.release(held)

    def report(self, call_id, done, total, message):
        """A progress report from a tqdm bar of the call `call_id`, made in any thread."""
        if threading.get_ident() == self.ident:
            if self.call_id == call_id:
                self.done, self.total, self.message = done, total, message
                if self.due:
                    self.tick()
            return
        with self.lock:  # no frame of the call after its call_done: see end_user_code()
            self.foreign = True
            if self.call_id != call_id or self.phase is _USER_CODE_OVER:
                return
            self.done, self.total, self.message = done, total, message
            if self.due:
                self.due = False
                reply = self._progress_message()
                if reply != self.sent:
                    self.sent = reply
                    self.channel.write(_frame(reply))

    def flush_progress(self):
        """Sends the call's last progress if it was not sent yet; before the call_done. An
        open tqdm bar of the call has the last word: tqdm draws only every 0.1 s."""
        bar = self.bar() if self.bar is not None and self.bar_call == self.call_id else None
        if bar is not None and not getattr(bar, "disable", True):
            self.done, self.total, self.message = bar.n, bar.total, _bar_message(bar)
        try:
            message = self._progress_message() if self.call_id is not None else self.sent
        except TypeError:
            message = self.sent  # progress() checks its numbers only when it sends: never here
        if message != self.sent:
            self.channel.write(_frame(message))
        self.done = self.sent = None

    def _progress_message(self):
        total, message = self.total, self.message
        return {"type": "progress", "callID": self.call_id, "done": _progress_number(self.done, "done"),
                "total": None if total is None else _progress_number(total, "total"),
                "message": message if type(message) is str else str(message)}


def _progress_number(value, name):
    if type(value) is int or type(value) is float:
        return value
    try:
        if isinstance(value, (str, bytes, bytearray)):
            raise TypeError
        return float(value)  # numpy scalars, Decimal, Fraction, bool
    except (TypeError, ValueError):
        raise TypeError("qtpyvenv.progress(): %s must be a number, not %s"
                        % (name, type(value).__name__)) from None


class _Unstreamable(Exception):
    """A value a generator yielded that cannot be sent: fails the call."""

    def __init__(self, number, value, error):
        Exception.__init__(self, str(error))
        self.number = number
        self.value = value
        self.error = error


def _cancelled_reply(call_id, failure, message):
    """The call_done of a cancelled call; with the traceback of where its code stopped."""
    reply = {"type": "call_done", "callID": call_id, "ok": False, "cancelled": True}
    if failure is not None:
        reply.update(_error_fields(failure))
        reply["errorType"] = "Cancelled"
        reply["errorMessage"] = message
    else:
        reply.update(_plain_error("Cancelled", message))
    return reply


class _TqdmHook:
    """Makes tqdm bars created in a call report as the call's progress and draw nothing.

    A meta path finder that only answers for the name "tqdm": when user code first imports it,
    the real loader runs and then tqdm.std.tqdm, the class every bar derives from, is patched.
    A worker that never imports tqdm pays one string comparison per new import."""

    def find_spec(self, name, path=None, target=None):
        if name != "tqdm":
            return None
        for finder in sys.meta_path:
            find = getattr(finder, "find_spec", None)
            if finder is self or find is None:
                continue
            spec = find(name, path, target)
            if spec is not None:
                break
        else:
            return None
        execute = getattr(spec.loader, "exec_module", None)
        if execute is None:
            return spec

        def exec_module(module):
            execute(module)
            try:
                _patch_tqdm(sys.modules.get("tqdm.std"))
            except Exception:  # a tqdm we do not know: it draws as it always did
                pass
        try:
            spec.loader.exec_module = exec_module
        except AttributeError:
            return spec
        sys.meta_path.remove(self)
        return spec

    def install(self):
        if "tqdm.std" in sys.modules:
            _patch_tqdm(sys.modules["tqdm.std"])
        else:
            sys.meta_path.insert(0, self)


def _bar_message(bar):
    """What a tqdm bar shows besides its numbers, which it no longer draws: its description and
    its postfix (set_postfix(loss=0.25) makes "loss=0.25"), joined by ", "."""
    return ", ".join(str(part) for part in (bar.desc, getattr(bar, "postfix", None)) if part)


class _Discard:
    """Where a bar that reports to the host draws: nowhere. A terminal as far as tqdm asks,
    so that disable=None bars report too."""

    def write(self, text):
        return len(text)

    def flush(self):
        pass

    def isatty(self):
        return True


def _patch_tqdm(std):
    bar_class = getattr(std, "tqdm", None)
    if bar_class is None or "_qtpyvenv" in bar_class.__dict__:
        return
    import weakref
    init, display, close = bar_class.__init__, bar_class.display, bar_class.close

    def __init__(self, *args, **kwargs):
        slot = qtpyvenv._call()
        call_id = slot.call_id
        file = args[4] if len(args) > 4 else kwargs.get("file")
        if call_id is not None and (file is None or file in (sys.stderr, sys.stdout,
                                                              sys.__stderr__, sys.__stdout__)):
            if len(args) > 4:
                args = args[:4] + (_Discard(),) + args[5:]
            else:
                kwargs["file"] = _Discard()
            # The outermost open bar of a call reports; bars nested in it draw nothing.
            current = slot.bar() if slot.bar is not None and slot.bar_call == call_id else None
            owner = current is None or getattr(current, "disable", True) or \
                (current.total is not None and current.n >= current.total)
            if owner:
                slot.bar = weakref.ref(self)
                slot.bar_call = call_id
            self._qtpyvenv = (slot, call_id, owner)
        init(self, *args, **kwargs)

    def report(self):
        ours = self.__dict__.get("_qtpyvenv")
        if ours is not None and ours[2]:
            ours[0].report(ours[1], self.n, self.total, _bar_message(self))
        return ours

    def display_(self, msg=None, pos=None):
        if report(self) is None:
            return display(self, msg, pos)
        return True

    def close_(self):
        if not getattr(self, "disable", True):
            report(self)
        close(self)

    bar_class.__init__ = __init__
    bar_class.display = display_
    bar_class.close = close_
    bar_class._qtpyvenv = None


_WATCHER = "watcher"  # Dispatcher._leader while the watcher reads
# How often the watcher looks while frames run with MAX_WORKERS 1, where no other worker thread
# can take over and it only reads cancels and pings: a look every millisecond costs a stream of
# short calls its tail latency (the watcher takes the GIL just as a call comes in). Its first look
# at a frame that started is after _TAKEOVER_SECONDS all the same.
_WATCH_SECONDS = 0.005


class Dispatcher:
    """Runs calls on at most MAX_WORKERS threads, waking no second thread while calls are quick,
    and reads cancel and ping frames even while every one of them is in a call.

    One worker thread at a time, the leader, reads frames and runs each call itself, so a stream
    of short calls costs no thread switches. One more thread, the watcher, looks while frames
    run (_TAKEOVER_SECONDS after one started, then every _TAKEOVER_SECONDS, or _WATCH_SECONDS
    with one worker thread, while frames keep starting) whether the leader is still in the
    frame it ran at the last look, or nobody reads. If so, a free
    worker thread becomes the leader and reads on; the old one, once its call returns, waits for
    a role again. With no worker thread free the watcher reads itself: it answers cancel and
    ping frames at once and queues calls and defines, which worker threads take in order as they
    come free, before any of them reads again; it hands reading back with the first frame a free
    thread can take. A slow or blocking call thus holds up the calls behind it by about a
    millisecond, at most MAX_WORKERS run at once, and frames are read whatever runs. A define
    holds up the frames behind it until it is done, as before. A third kind of thread, the
    clock, marks the progress of running calls due every _PROGRESS_SECONDS. The watcher sleeps
    once the leader was reading for a whole look, the clock once no call ran for a whole
    period, and spare threads until they are needed: an idle worker has no thread waking.

    The queue is not bounded, on purpose: a bound would leave the cancels behind it unread, and
    the host could then only restart the worker. It holds what the host has sent already (the
    host would otherwise hold the same bytes in its socket buffer); a host that wants less in
    the worker keeps calls back itself.
    """

    def __init__(self, worker, threads):
        self._worker = worker
        self._threads = max(1, threads)
        self._lock = threading.Lock()  # taken as is on the hot path: a Condition's with is Python code
        self._roles = threading.Condition(self._lock)  # free worker threads wait here
        self._bell = threading.Lock()  # held: the watcher sleeps on it
        self._bell.acquire()
        self._clock_bell = threading.Lock()  # held: the clock sleeps on it
        self._clock_bell.acquire()
        self._asleep = set()  # of those two bells: a frame that starts rings them
        self._leader = None  # the reading thread's ident, _WATCHER, or None
        self._leader_busy = False  # the leader runs a call or define itself
        self._seq = 0  # frames started so far: the watcher's sign of progress
        self._slots = []  # of the worker threads; slot.call_id: the call one runs
        self._defining = False  # a define runs (one at most): the frames behind it wait
        self._queue = collections.deque()  # messages the watcher read, for free worker threads

    def run(self):
        _TqdmHook().install()
        for _ in range(self._threads - 1):
            threading.Thread(target=self._serve, name="qtpyvenv-worker", daemon=True).start()
        threading.Thread(target=self._guard, args=(self._watch_reading,), name="qtpyvenv-watcher",
                         daemon=True).start()
        threading.Thread(target=self._guard, args=(self._keep_time,), name="qtpyvenv-clock",
                         daemon=True).start()
        self._serve()

    def _serve(self):
        me = threading.get_ident()
        slot = _Slot(me, self._worker.channel, self._lock)
        qtpyvenv._current_call.set(slot)
        with self._lock:
            self._slots.append(slot)
        self._guard(self._take_roles, me, slot)

    @staticmethod
    def _guard(function, *args):
        try:
            function(*args)
        except BaseException as exc:
            if isinstance(exc, OSError) and exc.errno == errno.EBADF:
                # User code closed the channel's descriptor. As when it does so in a call that
                # never returns, the thread stays: the host sees the channel closed with the
                # worker running, reports that, and ends the worker.
                threading.Event().wait()
            _report_failure("protocol failure: %s" % (exc,))
            os._exit(70)

    def _calls(self):
        """The slots of the threads that run a call; the lock is held."""
        return [slot for slot in self._slots if slot.call_id is not None]

    def _free(self):
        """Worker threads that run nothing and do not read; the lock is held."""
        leading = self._leader is not None and self._leader is not _WATCHER and not self._leader_busy
        return self._threads - len(self._calls()) - self._defining - len(self._queue) - leading

    def _take_roles(self, me, slot):
        """A worker thread's life: a queued frame first, else reading, else waiting."""
        lock = self._lock
        while True:
            with lock:
                while True:
                    if not self._defining:
                        if self._queue:
                            message = self._queue.popleft()
                            self._begin(slot, message, False)
                            break
                        if self._leader is None:
                            self._leader = me
                            message = None
                            break
                    self._roles.wait()
            if message is None:
                self._lead(me, slot)
            else:
                self._execute(slot, message)
                self._end(me, message)

    def _lead(self, me, slot):
        """Reads and runs frames until another thread took over reading during one."""
        lock = self._lock
        worker = self._worker
        read_frame = worker.channel.read_frame
        while True:
            frame = read_frame()  # self._read(), inlined with _begin() and _end() for short calls
            if frame is None:
                _host_gone()
            try:
                message = _message(frame)
            except _Undecodable as bad:
                worker.refuse(bad)  # fails that call, or raises ProtocolViolation
                continue
            kind = message.get("type")
            if kind == "call":
                call_id = message["callID"]
                with lock:
                    self._seq += 1
                    self._leader_busy = True
                    if self._asleep:
                        self._wake()
                    slot.call_id = call_id  # slot.begin(call_id), less what Worker.call resets
                    slot.done = None
                    slot.due = True
                worker.call(message, slot)
                with lock:
                    if self._leader != me:
                        return
                    self._leader_busy = False
            elif kind == "define":
                with lock:
                    self._begin(slot, message, True)
                self._execute(slot, message)
                if not self._end(me, message):
                    return
            else:
                self._control(message, kind)

    def _read(self):
        """The next frame's message. A call whose frame cannot be read is failed here."""
        channel = self._worker.channel
        while True:
            frame = channel.read_frame()
            if frame is None:
                _host_gone()
            try:
                return _message(frame)
            except _Undecodable as bad:
                self._worker.refuse(bad)

    def _control(self, message, kind):
        if kind == "cancel":
            self._cancel(message)
        elif kind == "ping":
            self._worker.channel.post({"type": "pong", "opID": message.get("opID")})
        else:
            raise ProtocolViolation("unknown frame type %r" % (kind,))

    def _begin(self, slot, message, leading):
        """A call or define starts on the thread of `slot`; the lock is held."""
        self._seq += 1
        if leading:
            self._leader_busy = True
        if self._asleep:
            self._wake()
        if message["type"] == "call":
            slot.begin(message["callID"])
        else:
            self._defining = True

    def _execute(self, slot, message):
        if message["type"] == "call":
            self._worker.call(message, slot)
        else:
            self._worker.define(message)
            slot.done = None  # what progress() left outside a call

    def _end(self, me, message):
        """The frame _begin() started is done; whether the thread still leads."""
        with self._lock:
            if message["type"] != "call":
                self._defining = False
                self._roles.notify_all()  # the frames behind it
            if self._leader != me:
                return False
            self._leader_busy = False
            return True

    def _cancel(self, message):
        """Drops the call if it has not started (and answers for it), else cancels it."""
        call_id = message.get("callID")
        if type(call_id) is not int:
            raise ProtocolViolation("a cancel frame without an integer callID")
        with self._lock:
            for index, queued in enumerate(self._queue):
                if queued["type"] == "call" and queued["callID"] == call_id:
                    del self._queue[index]
                    break
            else:
                for slot in self._calls():
                    slot.cancel(call_id)  # if it runs that call
                return  # else unknown, or done: nothing to do
        self._worker.channel.post(_cancelled_reply(call_id, None, "the call was cancelled before it started"))

    def _watch_reading(self):
        """The watcher's life (see the class comment). While frames keep starting it only reads
        a counter between naps, without the lock: it holds the GIL for as short as it can."""
        lock = self._lock
        pause = _TAKEOVER_SECONDS if self._threads > 1 else _WATCH_SECONDS
        seen = None
        while True:
            seq = self._seq
            if seq != seen:  # frames started since the last look
                # The first look at a frame that started comes soon, as with more threads (a
                # cancel may be waiting); the later ones while frames keep starting every pause.
                first, seen = seen is None, seq
                time.sleep(_TAKEOVER_SECONDS if first else pause)
                continue
            seen = None
            with lock:
                if self._seq != seq:
                    continue
                if self._leader is not None and not self._leader_busy:
                    self._asleep.add(self._bell)  # a leader reads: until it runs a frame
                    reading = False
                elif self._free() > 0 and not self._defining:
                    self._leader = None  # a free worker thread reads on
                    self._leader_busy = False
                    self._roles.notify()
                    continue
                else:
                    self._leader = _WATCHER
                    self._leader_busy = False
                    reading = True
            if not reading:
                self._bell.acquire()
                continue
            _prepare_cancel()  # here, not on the path of the first cancel: it costs milliseconds
            # Counted when the frames it queued will have started, not now: their start would
            # cost the next look another nap.
            seen = self._read_for_busy_threads()
            time.sleep(_TAKEOVER_SECONDS)

    def _unlocked(self, function, *args):
        self._lock.release()
        try:
            function(*args)
        finally:
            self._lock.acquire()

    def _wake(self):
        """Rings the bells of the watcher and the clock, if they sleep; the lock is held."""
        for bell in self._asleep:
            bell.release()
        self._asleep.clear()

    def _keep_time(self):
        """The clock's life: while calls run, it makes their next progress() report every
        _PROGRESS_SECONDS, so that progress() itself neither reads a clock nor counts. It sleeps
        once no call ran for a whole period."""
        with self._lock:
            seen = None
            while True:
                calls = self._calls()
                if not calls and self._seq == seen:
                    self._asleep.add(self._clock_bell)
                    self._unlocked(self._clock_bell.acquire)
                seen = self._seq
                for slot in calls:
                    slot.due = True
                self._unlocked(time.sleep, _PROGRESS_SECONDS)

    def _read_for_busy_threads(self):
        """Reads while no worker thread can; returns once one is free to read on, or to take
        the frame just read (and then read on), with the count of frames started there will
        be once the frames it queued have started."""
        lock = self._lock
        while True:
            message = self._read()
            kind = message.get("type")
            if kind == "call" or kind == "define":
                with lock:
                    self._queue.append(message)
                    self._roles.notify()
            else:
                self._control(message, kind)
            with lock:
                free = self._free()
                if free >= 0 and free + len(self._queue) > 0 and not self._defining:
                    self._leader = None
                    self._roles.notify_all()
                    return self._seq + len(self._queue)


# The host starts this script as a child subreaper whose parent-death signal is SIGTERM. main()
# forks before anything else: the child goes on as the worker, and this first process stays behind
# as the guard of everything the worker starts. Orphans anywhere below it are reparented to it, so
# when the worker ends, or the guard gets SIGTERM (the host's kill(), or the kernel's when the
# host dies, however it dies), it can find and kill the whole tree, processes that made a session
# or a process group of their own included. It holds no copy of the socket: the host sees the
# channel close when the worker's end does.
# SIGHUP ends the tree too: when the host dies while the worker, at end of input, has stopped part
# of its tree (_end_tree), the kernel hangs up the guard's now orphaned process group, and by
# default SIGHUP would end the guard and the worker before they killed what they stopped.
_GUARD_SIGNALS = {signal.SIGCHLD, signal.SIGTERM, signal.SIGHUP}
# Over stdio, how often the guard looks whether the host's side of the channel is gone.
_HANGUP_LOOK_SECONDS = 2.0


def _split_off_guard(private_fds, watched=None, remove_at_exit=None):
    """Forks; returns in the child, which is the worker. The parent guards it and never returns.
    Over stdio the guard keeps `watched`, the protocol's input, to see the host go, and removes
    `remove_at_exit`, the far side's temporary baseDir, once the tree is gone."""
    signal.pthread_sigmask(signal.SIG_BLOCK, _GUARD_SIGNALS)  # pending until the guard waits for them
    worker = os.fork()
    if worker == 0:
        signal.pthread_sigmask(signal.SIG_UNBLOCK, _GUARD_SIGNALS)
        return
    for fd in private_fds:
        if fd != watched:
            os.close(fd)
    status = _guard(worker, watched)
    if remove_at_exit:
        import shutil
        shutil.rmtree(remove_at_exit, ignore_errors=True)
    _exit_as(status)


def _guard(worker, watched=None):
    """Waits for the worker's end, SIGTERM, SIGHUP or, over stdio, the host's side of the channel
    gone, then tears the tree down; returns the worker's wait status."""
    status = None
    try:
        while status is None and _next_signal(watched) == signal.SIGCHLD:
            status = _reap_ended(worker)
    finally:
        status = _tear_down(worker, status)
    return status


def _next_signal(watched):
    """SIGCHLD, SIGTERM or SIGHUP; None once `watched` hung up. The worker itself ends at end of input,
    unless native code holds its GIL: no host and no signal would end it then (ssh forwards no
    signal), so the guard looks now and then."""
    if watched is None:
        return signal.sigwait(_GUARD_SIGNALS)
    hangup = select.poll()
    hangup.register(watched, 0)  # POLLHUP and POLLERR only: the worker's frames stay unread
    while True:
        info = signal.sigtimedwait(_GUARD_SIGNALS, _HANGUP_LOOK_SECONDS)
        if info is not None:
            return info.si_signo
        if hangup.poll(0):
            return None


def _reap_ended(worker):
    """Reaps the children that ended (orphans too); the worker's wait status if it was one."""
    status = None
    while True:
        try:
            pid, wait_status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return status
        if pid == 0:
            return status
        if pid == worker:
            status = wait_status


def _tear_down(worker, status):
    """Kills every process below the guard and reaps it; returns the worker's wait status."""
    while True:
        killed = _end_tree(os.getpid())
        try:
            # Blocking is safe once a child has been killed (all below it were); without one
            # found, a child that the listing missed is found by the next round.
            pid, wait_status = os.waitpid(-1, 0 if killed else os.WNOHANG)
        except ChildProcessError:
            return status
        if pid == worker:
            status = wait_status


def _host_gone():
    """The worker's end once the host closed its side: what it started ends first (see _end_tree:
    the guard may be killed at the same moment, by a launcher that ends the whole job)."""
    _end_tree(os.getpid())
    os._exit(0)


def _end_tree(root):
    """Kills every process below ROOT, each before its parent; returns their pids.

    A tree walk that sees a process die before what it started can miss those: Slurm's
    proctrack/linuxproc skips a process whose main thread has exited while another thread (which
    forked them) still runs, and kills the guard meanwhile, so they go to init, out of every walk.
    So the whole tree is stopped first, then killed from the bottom up: no process ever lives on
    below one that is dying, not even for the moment its parent takes to die."""
    stopped = _stop_tree(root)
    for pid in reversed(stopped):
        _kill_with_group(pid)
    return stopped


def _stop_tree(root):
    """Stops every process below ROOT; returns their pids, each after its parent's. A stopped
    process forks no more; the walk repeats until it finds none it had not stopped, so children
    forked or orphaned while it walked are found too."""
    stopped, seen = [], set()
    while True:
        before = len(stopped)
        parents = [root]
        while parents:
            for pid in _children(parents.pop()):
                if pid not in seen:
                    seen.add(pid)
                    _signal(pid, signal.SIGSTOP)  # before its children are listed
                    stopped.append(pid)
                parents.append(pid)
        if len(stopped) == before:
            return stopped


def _kill_with_group(pid):
    """SIGKILL to PID, and to its process group if it leads one: the group's members that left
    the tree (below a guard that could not become a subreaper) go too."""
    try:
        if os.getpgid(pid) == pid:
            os.killpg(pid, signal.SIGKILL)
    except OSError:
        pass  # ended meanwhile
    _signal(pid, signal.SIGKILL)


def _signal(pid, signum):
    try:
        os.kill(pid, signum)
    except OSError:
        pass  # ended meanwhile


def _children(pid):
    """The pids of PID's children, forked by any of its threads."""
    children, listed = [], False
    try:
        threads = os.listdir("/proc/%d/task" % (pid,))
    except OSError:
        threads = []
    for thread in threads:
        try:
            with open("/proc/%d/task/%s/children" % (pid, thread), "rb") as listing:
                children += [int(child) for child in listing.read().split()]
            listed = True
        except OSError:
            pass  # that thread ended, or the kernel has no such listing
    return children if listed else _children_by_scan(pid)


def _children_by_scan(parent):
    """_children() for kernels without /proc/PID/task/TID/children."""
    children = []
    try:
        entries = os.listdir("/proc")
    except OSError:
        return children
    for entry in entries:
        if not entry.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % (entry,), "rb") as stat:
                fields = stat.read().rpartition(b")")[2].split()
        except OSError:
            continue
        if int(fields[1]) == parent:
            children.append(int(entry))
    return children


def _exit_as(status):
    """Ends this process as the worker ended, so the host reports the worker's exit code or signal."""
    if os.WIFSIGNALED(status):
        signum = os.WTERMSIG(status)
        if signum != signal.SIGKILL:  # the usual one, and the only one that needs none of this
            import resource
            # The worker's core dump, if any, is the one that tells; the guard's would mislead.
            resource.setrlimit(resource.RLIMIT_CORE, (0, resource.getrlimit(resource.RLIMIT_CORE)[1]))
            signal.signal(signum, signal.SIG_DFL)
            signal.pthread_sigmask(signal.SIG_UNBLOCK, {signum})
        os.kill(os.getpid(), signum)
    os._exit(os.WEXITSTATUS(status) if os.WIFEXITED(status) else 70)


def _take_stdio():
    """Over stdio: moves the protocol from fd 0 and 1 to private descriptors, puts /dev/null on
    fd 0 and pipes on fd 1 and 2 (read by an _OutputForwarder), and sets up on its own what the
    host sets when it starts the worker itself: a launcher (ssh) forwards no environment.
    Returns the protocol's input and output descriptors and the pipes' read ends."""
    global _diagnostics_fd
    protocol_in, protocol_out = os.dup(0), os.dup(1)  # not inherited by subprocesses
    _diagnostics_fd = os.dup(2)
    for fd in (protocol_in, protocol_out):
        os.set_blocking(fd, True)
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)
    os.close(null)
    pipes = []
    for fd in (1, 2):
        read_end, write_end = os.pipe()
        os.dup2(write_end, fd)
        os.close(write_end)
        pipes.append(read_end)
    # What user code gets from sys.stdout and sys.stderr reaches the pipe at once, as with
    # PYTHONUNBUFFERED, which the host sets when it starts the worker itself.
    for name in ("stdout", "stderr"):
        stream = getattr(sys, name)
        raw = io.FileIO(stream.fileno(), "w", closefd=False)
        setattr(sys, name, io.TextIOWrapper(raw, encoding=stream.encoding, errors=stream.errors,
                                            write_through=True))
        setattr(sys, "__%s__" % (name,), getattr(sys, name))
    bin_dir = os.path.dirname(sys.executable)
    path = os.environ.get("PATH", os.defpath)
    if path.split(os.pathsep)[0] != bin_dir:
        os.environ["PATH"] = bin_dir + os.pathsep + path
    os.environ["VIRTUAL_ENV"] = sys.prefix
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    os.environ.pop("PYTHONHOME", None)
    _become_subreaper()
    return protocol_in, protocol_out, pipes


def _become_subreaper():
    """What the host does for a worker it starts itself, so that the guard can find orphans
    below it: here the launcher started it. Linux only; elsewhere the guard finds its children."""
    try:
        import ctypes
        ctypes.CDLL(None, use_errno=True).prctl(36, 1, 0, 0, 0)  # PR_SET_CHILD_SUBREAPER
    except (OSError, AttributeError):
        pass


def main():
    global _max_frame, _forwarder
    max_workers, max_frame = (int(a) for a in sys.argv[1:3])
    _max_frame = min(max_frame, LENGTH_MASK)
    over_stdio = sys.argv[3:4] == ["stdio"]
    if over_stdio:
        remove_at_exit = sys.argv[5] if sys.argv[4:5] == ["--remove-at-exit"] else None
        protocol_in, protocol_out, pipes = _take_stdio()
        os.environ.pop("QTPYVENV_PROTOCOL_FD", None)
        _split_off_guard([protocol_in, protocol_out] + pipes, watched=protocol_in, remove_at_exit=remove_at_exit)
        bulk = None
    else:
        # User code has no need to see the variable.
        fds = [int(fd) for fd in os.environ.pop("QTPYVENV_PROTOCOL_FD").split(",")]
        for fd in fds:
            os.set_inheritable(fd, False)  # user subprocesses must not keep the channel alive
        _split_off_guard(fds)
        protocol_in, protocol_out = fds[0], fds[-1]
        bulk = fds[0] if len(fds) > 1 else None
    channel = Channel(protocol_in, protocol_out, max_frame, bulk)
    if over_stdio:
        _forwarder = _OutputForwarder(channel, pipes)
        _forwarder.start()
    channel.send({"type": "ready", "protocol": PROTOCOL_VERSION, "pid": os.getpid(),
                  "python": "%d.%d.%d" % sys.version_info[:3], "executable": sys.executable})
    Dispatcher(Worker(channel), max_workers).run()


if __name__ == "__main__":
    main()
