# SPDX-License-Identifier: MIT
"""QtPyVenv worker: serves one host process over a private socket.

Run as: QTPYVENV_PROTOCOL_FD=FD python qtpyvenv_worker.py MAX_WORKERS MAX_FRAME_BYTES
as a child subreaper (see _guard), FD being the worker's end of the socket.

Frames (docs/protocol.md, version 2) are a 4-byte big-endian word, flags in its top 3 bits and
the body's length below, and a body: a UTF-8 JSON object, or with the PARTS flag a part table,
the JSON and aligned binary parts. They travel on FD, never on fd 0/1/2, so user code may print,
write to sys.stderr or to fd 1 from C freely.

MAX_WORKERS threads serve calls, one of them at a time reading frames: see Dispatcher. How values
convert to and from the wire is in qtpyvenv.py, next to this file (sys.path[0]), which user
sources import as `qtpyvenv`. Stdlib only; Python >= 3.8.
"""
import json
import os
import re
import signal
import struct
import sys
import threading
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
_SOURCES = {}  # name -> code, for tracebacks
# How long the reading thread may spend in one call before a standby thread reads on.
_TAKEOVER_SECONDS = 0.001
# A result text this short cannot nest deeper than qtpyvenv._MAX_DEPTH.
_DEEP_TEXT = 2 * (qtpyvenv._MAX_DEPTH + 2)
_max_frame = LENGTH_MASK  # main() sets the host's cap
_NOTHING = object()
_EMPTY = {}
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


class Channel:
    def __init__(self, in_fd, out_fd, max_frame):
        self._in = in_fd
        self._out = out_fd
        self._max = min(max_frame, LENGTH_MASK)
        self._buf = bytearray()
        self._pool = _BodyPool()
        self._out_lock = threading.Lock()
        self._pending = []
        self._flushing = False

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
        """Queues one frame's buffers; the first thread to find nobody flushing writes the
        whole queue."""
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
    in Python's buffers (PYTHONUNBUFFERED set empty, streams of its own)."""
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except Exception:  # None, closed, or without flush(): nothing to send
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

    def call(self, message):
        call_id = message["callID"]
        try:
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
        except BaseException as exc:  # SystemExit and KeyboardInterrupt from user code too
            _flush_output()
            reply = {"type": "call_done", "callID": call_id, "ok": False}
            reply.update(_error_fields(exc))
            self.channel.send(reply)
            return
        _flush_output()
        try:
            # _frame(), inlined for the usual small plain-JSON result.
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

    def _unsendable(self, func, result, exc):
        """The error of a result that could not be encoded: where in the result, what, and what
        to do; frames of the user's converters only."""
        _reset()
        prefix = "the result of %s() cannot be sent: " % (func,)
        if isinstance(exc, _SendError) and exc.whole:
            return _plain_error(exc.error_type, prefix + "it " + exc.problem)
        reserved = isinstance(exc, _SendError) and exc.reserved_key
        try:
            found = qtpyvenv._find_problem(result, "result", reserved)
        except BaseException as walk_error:  # never let the diagnosis take the worker down
            found = None
            exc = walk_error if not isinstance(exc, _SendError) else exc
        finally:
            _reset()
        if found is None:
            if isinstance(exc, _SendError):
                if exc.problem:
                    return _plain_error(exc.error_type, prefix + "result " + exc.problem)
                exc = TypeError("a dict in it has the key \"\\x00\", which the wire protocol reserves")
            if isinstance(exc, RecursionError):
                return _plain_error("RecursionError", prefix + "result is nested too deeply, or "
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
            try:
                message = _message(frame)
            except _Undecodable as bad:
                self._worker.refuse(bad)  # fails that call, or raises ProtocolViolation
                continue
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


# The host starts this script as a child subreaper whose parent-death signal is SIGTERM. main()
# forks before anything else: the child goes on as the worker, and this first process stays behind
# as the guard of everything the worker starts. Orphans anywhere below it are reparented to it, so
# when the worker ends, or the guard gets SIGTERM (the host's kill(), or the kernel's when the
# host dies, however it dies), it can find and kill the whole tree, processes that made a session
# or a process group of their own included. It holds no copy of the socket: the host sees the
# channel close when the worker's end does.
_GUARD_SIGNALS = {signal.SIGCHLD, signal.SIGTERM}


def _split_off_guard(protocol_fd):
    """Forks; returns in the child, which is the worker. The parent guards it and never returns."""
    signal.pthread_sigmask(signal.SIG_BLOCK, _GUARD_SIGNALS)  # pending until the guard waits for them
    worker = os.fork()
    if worker == 0:
        signal.pthread_sigmask(signal.SIG_UNBLOCK, _GUARD_SIGNALS)
        return
    os.close(protocol_fd)
    _exit_as(_guard(worker))


def _guard(worker):
    """Waits for the worker's end or SIGTERM, then tears the tree down; the worker's wait status."""
    status = None
    try:
        while status is None and signal.sigwait(_GUARD_SIGNALS) == signal.SIGCHLD:
            status = _reap_ended(worker)
    finally:
        status = _tear_down(worker, status)
    return status


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
    """Kills every process below the guard and reaps it; returns the worker's wait status.

    Killing a child reparents its children to the guard, so each round reaches one generation
    further down, until the guard has no child left."""
    while True:
        children = _children()
        for pid in children:
            _kill_with_group(pid)
        try:
            # Blocking is safe once every child has been killed; without one listed, a child that
            # was reparented after the listing is found by the next round.
            pid, wait_status = os.waitpid(-1, 0 if children else os.WNOHANG)
        except ChildProcessError:
            return status
        if pid == worker:
            status = wait_status


def _kill_with_group(pid):
    try:
        if os.getpgid(pid) == pid:
            os.killpg(pid, signal.SIGKILL)
        os.kill(pid, signal.SIGKILL)
    except OSError:
        pass  # ended meanwhile


def _children():
    """The pids of this process's children (it has one thread)."""
    pid = os.getpid()
    try:
        with open("/proc/%d/task/%d/children" % (pid, pid), "rb") as listing:
            return [int(child) for child in listing.read().split()]
    except OSError:
        return _children_by_scan(pid)


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


def main():
    global _max_frame
    protocol_fd = int(os.environ.pop("QTPYVENV_PROTOCOL_FD"))  # user code has no need to see it
    max_workers, max_frame = (int(a) for a in sys.argv[1:3])
    _max_frame = min(max_frame, LENGTH_MASK)
    os.set_inheritable(protocol_fd, False)  # user subprocesses must not keep the socket alive
    _split_off_guard(protocol_fd)
    channel = Channel(protocol_fd, protocol_fd, max_frame)
    channel.send({"type": "ready", "protocol": PROTOCOL_VERSION, "pid": os.getpid(),
                  "python": "%d.%d.%d" % sys.version_info[:3], "executable": sys.executable})
    Dispatcher(Worker(channel), max_workers).run()


if __name__ == "__main__":
    main()
