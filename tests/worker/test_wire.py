# SPDX-License-Identifier: MIT
"""Wire protocol v2 of the worker (docs/protocol.md): frames, value conversions both ways,
dispatch, errors, and the worker run end to end over a socketpair.

Stdlib only: `python3 tests/worker/test_wire.py`. With numpy, pandas, matplotlib or PIL
importable, their conversions are checked too; those tests are skipped otherwise.
"""
import array
import datetime
import decimal
import json
import math
import os
import select
import signal
import socket
import struct
import subprocess
import sys
import time
import unittest

WORKER_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "worker")
WORKER_DIR = os.path.normpath(WORKER_DIR)
sys.path.insert(0, WORKER_DIR)

import qtpyvenv  # noqa: E402
import qtpyvenv_worker as W  # noqa: E402


def optional(name):
    try:
        return __import__(name)
    except Exception:
        return None


np = optional("numpy")
pd = optional("pandas") if np else None

TAGGED, PARTS = 0x20000000, 0x40000000
TABLE, IMAGE, BOOLS, TIME = 0x51505601, 0x51505602, 0x51505603, 0x51505604


class T:
    """A tag object as the host reads it: tag number and content."""

    def __init__(self, tag, value):
        self.tag, self.value = tag, value

    def __eq__(self, other):
        return isinstance(other, T) and (self.tag, self.value) == (other.tag, other.value)

    def __repr__(self):
        return "T(%r, %r)" % (self.tag, self.value)


def read_frame(data):
    """An independent reading of one frame, as the host does: (flags, message, parts, body)."""
    (word,) = struct.unpack_from(">I", data)
    flags, size = word & 0xE0000000, word & 0x1FFFFFFF
    body = data[4:]
    assert len(body) == size, (len(body), size)
    assert not flags & 0x80000000
    parts = []
    if flags & PARTS:
        count, json_size = struct.unpack_from(">II", body)
        sizes = struct.unpack_from(">%dI" % count, body, 8)
        start = 8 + 4 * count
        text = body[start:start + json_size]
        offset = start + json_size
        for part_size in sizes:
            pad = 16 + (-offset & 15)
            assert body[offset:offset + pad] == bytes(pad)
            offset += pad
            assert offset % 16 == 0
            parts.append(body[offset:offset + part_size])
            offset += part_size
        assert offset == len(body), "the body ends where the last part ends"
    else:
        text = body

    def hook(obj):
        if flags & TAGGED and list(obj) == ["\x00"]:
            content = obj["\x00"]
            if isinstance(content, int):
                return parts[content]
            return T(content[0], content[1])
        return obj

    message = json.loads(text.decode("ascii"), object_hook=hook)
    return flags, message, parts, body


def host_frame(text, parts=(), tagged=True):
    """A frame as the host writes it."""
    json_bytes = text.encode("utf-8")
    flags = TAGGED if tagged else 0
    if not parts:
        return struct.pack(">I", flags | len(json_bytes)) + json_bytes
    body = bytearray(struct.pack(">II%dI" % len(parts), len(parts), len(json_bytes),
                                 *[len(p) for p in parts]))
    body += json_bytes
    for part in parts:
        body += bytes(16 + (-len(body) & 15))
        body += part
    return struct.pack(">I", flags | PARTS | len(body)) + bytes(body)


def decode_host_frame(data):
    """What the worker makes of a frame the host wrote."""
    (word,) = struct.unpack_from(">I", data)
    size = word & 0x1FFFFFFF
    body = bytearray(data[4:4 + size])
    if word != size:
        return W._decode_flagged(word - size, body)
    return W._parse(body.decode("utf-8"))


def send_result(value):
    """The reply frame the worker writes for a call returning `value`, read back."""
    buffers = W._frame({"type": "call_done", "callID": 1, "ok": True, "result": value}, value)
    return read_frame(b"".join(bytes(b) for b in buffers))


def result_of(value):
    return send_result(value)[1]["result"]


class FakeChannel:
    def __init__(self):
        self.frames = []

    def send(self, message):
        self.write(W._frame(message))

    post = send  # as the reading thread sends

    def write(self, frame):
        self.frames.append(read_frame(b"".join(bytes(b) for b in frame)))


def make_worker(code):
    worker = W.Worker(FakeChannel())
    worker.define({"type": "define", "opID": 1, "sources": [{"name": "<source 1>", "code": code}]})
    flags, reply, _, _ = worker.channel.frames.pop()
    assert reply["ok"], reply
    return worker, reply


def call(worker, **message):
    message.setdefault("type", "call")
    message.setdefault("callID", 7)
    worker.call(message)
    return worker.channel.frames.pop()[1]


def nested_list(depth):
    value = []
    for _ in range(depth - 1):
        value = [value]
    return value


class ResultTest(unittest.TestCase):
    def test_plain_json_has_no_flags(self):
        flags, message, parts, body = send_result({"text": "hello", "n": 42})
        self.assertEqual(flags, 0)
        self.assertEqual(body, b'{"type":"call_done","callID":1,"ok":true,"result":{"text":"hello","n":42}}')

    def test_a_call_that_returned_has_the_envelope_the_host_reads_by_its_bytes(self):
        # lib/returnedcall.cpp recognizes this exact text; anything else takes the slow path.
        worker, _ = make_worker("def echo(x):\n    return x\n")
        for call_id, value, expected in [
                (12, {"a": [1, 2.5]}, b'{"type":"call_done","callID":12,"ok":true,"result":{"a":[1,2.5]}}'),
                (2 ** 60, "s", b'{"type":"call_done","callID":1152921504606846976,"ok":true,"result":"s"}'),
                ("7", None, b'{"type":"call_done","callID":"7","ok":true,"result":null}')]:
            worker.call({"type": "call", "callID": call_id, "func": "echo", "args": value})
            _, message, _, body = worker.channel.frames.pop()
            self.assertEqual(body, expected)
            self.assertEqual(message["result"], value)

    def test_nan_infinity_and_big_ints(self):
        flags, message, _, body = send_result([float("nan"), float("inf"), -float("inf"), 2 ** 64, -10 ** 400])
        self.assertEqual(flags, 0)
        self.assertIn(b"[NaN,Infinity,-Infinity,18446744073709551616,-1" + b"0" * 400 + b"]", body)
        self.assertTrue(math.isnan(message["result"][0]))

    def test_key_order_tuples_sets(self):
        value = {"z": 1, "a": (1, 2), "m": {3}, "f": frozenset(["x"]), 5: None, True: 1.5}
        self.assertEqual(list(result_of(value)), ["z", "a", "m", "f", "5", "true"])
        self.assertEqual(result_of(value)["a"], [1, 2])
        self.assertEqual(result_of({1, 2, 3}), [1, 2, 3])

    def test_byte_strings_are_aligned_parts(self):
        values = [b"", b"a", b"b" * 15, bytearray(b"c" * 16), memoryview(b"d" * 17), b"e" * 100]
        flags, message, parts, _ = send_result({"data": values})
        self.assertEqual(flags, TAGGED | PARTS)
        self.assertEqual(message["result"]["data"], [bytes(v) for v in values])
        self.assertEqual(len(parts), len(values))

    def test_dates_and_times(self):
        tz = datetime.timezone(datetime.timedelta(hours=2))
        self.assertEqual(result_of(datetime.datetime(2024, 5, 1, 12, 30, 0, 250000, tz)),
                         T(0, "2024-05-01T12:30:00.250000+02:00"))
        self.assertEqual(result_of(datetime.datetime(2024, 5, 1, 12, 30)), T(0, "2024-05-01T12:30:00"))
        self.assertEqual(result_of(datetime.date(2024, 5, 1)), T(1004, "2024-05-01"))
        self.assertEqual(result_of(datetime.time(12, 30, 0, 250000)), T(TIME, "12:30:00.250000"))
        flags = send_result(datetime.date(2024, 5, 1))[0]
        self.assertEqual(flags, TAGGED)

    def test_decimal(self):
        self.assertEqual(result_of(decimal.Decimal("-12.345")), T(4, [-3, -12345]))
        self.assertEqual(result_of(decimal.Decimal("1.5E+30")), T(4, [29, 15]))
        big = decimal.Decimal("1" * 60 + ".5")
        self.assertEqual(result_of(big), T(4, [-1, int("1" * 60 + "5")]))
        self.assertTrue(math.isnan(result_of(decimal.Decimal("NaN"))))
        self.assertEqual(result_of(decimal.Decimal("-Infinity")), -float("inf"))

    def test_array_module(self):
        for code, tag, size in [("b", 72, 1), ("B", 64, 1), ("h", 77, 2), ("H", 69, 2), ("i", 78, 4),
                                ("I", 70, 4), ("q", 79, 8), ("Q", 71, 8), ("f", 85, 4), ("d", 86, 8)]:
            values = array.array(code, [1, 2, 3])
            result = result_of(values)
            self.assertEqual(result.tag, 40)
            shape, typed = result.value
            self.assertEqual(shape, [3])
            self.assertEqual(typed.tag, tag, code)
            self.assertEqual(typed.value, values.tobytes())
            self.assertEqual(len(typed.value), 3 * size)

    def test_memoryview_typed(self):
        view = memoryview(array.array("d", [1, 2, 3, 4, 5, 6])).cast("B").cast("d", [2, 3])
        result = result_of(view)
        self.assertEqual(result.value[0], [2, 3])
        self.assertEqual(result.value[1], T(86, array.array("d", [1, 2, 3, 4, 5, 6]).tobytes()))
        stepped = memoryview(array.array("i", range(6)))[::2]
        self.assertEqual(result_of(stepped).value, [[3], T(78, array.array("i", [0, 2, 4]).tobytes())])
        grid = memoryview(bytearray(range(6))).cast("B", [2, 3])
        self.assertEqual(result_of(grid).value, [[2, 3], T(64, bytes(range(6)))])
        self.assertEqual(result_of(memoryview(b"xyz")), b"xyz")

    def test_image_and_tagged(self):
        self.assertEqual(result_of(qtpyvenv.Image(b"\x89PNG", "image/png")),
                         T(IMAGE, {"type": "image/png", "data": b"\x89PNG"}))
        self.assertEqual(result_of(qtpyvenv.Tagged(99, [1, {"a": b"x"}])), T(99, [1, {"a": b"x"}]))

    def test_reserved_key_alone_is_an_ordinary_key(self):
        flags, message, _, _ = send_result({"\x00": 1})
        self.assertEqual(flags, 0)
        self.assertEqual(message["result"], {"\x00": 1})

    def test_registered_converter_follows_mro_and_wins(self):
        class Point:
            def __init__(self, x, y):
                self.x, self.y = x, y

        class Point3(Point):
            pass

        qtpyvenv.register(Point, lambda p: {"x": p.x, "y": p.y, "when": datetime.date(2024, 1, 2)})
        qtpyvenv.register(datetime.date, lambda d: d.strftime("%d.%m.%Y"))
        try:
            self.assertEqual(result_of([Point(1, 2), Point3(3, 4)]),
                             [{"x": 1, "y": 2, "when": "02.01.2024"}, {"x": 3, "y": 4, "when": "02.01.2024"}])
            # datetime has a built-in conversion of its own class, more specific than date's.
            self.assertEqual(result_of(datetime.datetime(2024, 1, 2)), T(0, "2024-01-02T00:00:00"))
        finally:
            qtpyvenv.register(Point, None)
            qtpyvenv.register(datetime.date, None)
        self.assertEqual(result_of(datetime.date(2024, 1, 2)), T(1004, "2024-01-02"))
        with self.assertRaises(TypeError):
            qtpyvenv.register("Point", str)


USER_CODE = '''
import datetime
import qtpyvenv

class When:
    pass

class Bad:
    pass

def _explode(value):
    raise ValueError("cannot convert Bad")

qtpyvenv.register(Bad, _explode)

def echo(args):
    return args

def rows():
    return {"rows": [{"when": 1}, {"when": 2}, {"when": 3}, {"when": When()}]}

def collide():
    return {"meta": {"\\x00": 1}, "data": b"x"}

def bad_key():
    return {"ok": {(1, 2): 3}}

def huge():
    return {"n": 10 ** 5000}

def deep(n):
    value = []
    for _ in range(n - 1):
        value = [value]
    return value

def deep_dicts(n, leaf):
    value = leaf
    for _ in range(n):
        value = {"k": value, "s": "x"}
    return value

def circular():
    value = {"a": []}
    value["a"].append(value)
    return value

def converter_fails():
    return [Bad()]

def kw(a, b=2, *rest, c, **more):
    return {"a": a, "b": b, "rest": rest, "c": c, "more": more}

def none_needed(x=5):
    return x

def boom(args):
    return helper(args)

def helper(args):
    raise KeyError(args)

def complex_result():
    return 1j

def typed(a: int, b: "list[str]" = None) -> dict:
    """Docstring."""
    return {}
'''


class DispatchTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.worker, cls.defined = make_worker(USER_CODE)

    def call(self, **message):
        return call(self.worker, **message)

    def assertNoWorkerFrames(self, reply):
        for name in ("qtpyvenv_worker.py", "qtpyvenv.py", "encoder.py"):
            self.assertNotIn(name, reply["traceback"])

    def test_old_single_argument_form(self):
        self.assertEqual(self.call(func="echo", args={"x": [1]})["result"], {"x": [1]})
        self.assertEqual(self.call(func="echo", args=None)["result"], None)  # echo needs args
        self.assertEqual(self.call(func="none_needed", args=None)["result"], 5)
        self.assertEqual(self.call(func="none_needed", args=3)["result"], 3)

    def test_keyword_form(self):
        reply = self.call(func="kw", argv=[1, 20, 30], kwargs={"c": 4, "d": 5})
        self.assertEqual(reply["result"], {"a": 1, "b": 20, "rest": [30], "c": 4, "more": {"d": 5}})
        self.assertEqual(self.call(func="none_needed")["result"], 5)
        self.assertEqual(self.call(func="none_needed", kwargs={"x": 9})["result"], 9)
        reply = self.call(func="kw", argv=[1])
        self.assertFalse(reply["ok"])
        self.assertEqual(reply["errorType"], "TypeError")
        self.assertNoWorkerFrames(reply)

    def test_unconvertible_names_the_path(self):
        reply = self.call(func="rows")
        self.assertFalse(reply["ok"])
        self.assertEqual(reply["errorType"], "TypeError")
        self.assertIn('result["rows"][3]["when"]', reply["errorMessage"])
        self.assertIn("When", reply["errorMessage"])
        self.assertIn("qtpyvenv.register(When, fn)", reply["errorMessage"])
        self.assertNoWorkerFrames(reply)

    def test_reserved_key_collision(self):
        reply = self.call(func="collide")
        self.assertFalse(reply["ok"])
        self.assertIn('result["meta"]', reply["errorMessage"])
        self.assertIn("\\x00", reply["errorMessage"])

    def test_bad_key_huge_int_depth_circular(self):
        reply = self.call(func="bad_key")
        self.assertIn('result["ok"] has a key of type tuple', reply["errorMessage"])
        reply = self.call(func="huge")
        self.assertFalse(reply["ok"])
        self.assertIn('result["n"] is an int with more than', reply["errorMessage"])
        self.assertEqual(self.call(func="deep", args=512)["ok"], True)
        for depth in (513, 700, 5000, 50000):
            reply = self.call(func="deep", args=depth)
            self.assertFalse(reply["ok"], depth)
            self.assertIn("nested deeper than 512 levels", reply["errorMessage"])
            self.assertNoWorkerFrames(reply)
        for leaf in ("plain", "a[b", 'q"uote', "]]]]"):  # text check, and the walk where it cannot tell
            self.assertTrue(self.call(func="deep_dicts", argv=[512, leaf])["ok"], leaf)
            reply = self.call(func="deep_dicts", argv=[513, leaf])
            self.assertFalse(reply["ok"], leaf)
            self.assertIn("nested deeper than 512 levels", reply["errorMessage"])
            self.assertTrue(self.call(func="deep_dicts", argv=[513, [b"x"]])["ok"] is False)
        reply = self.call(func="circular")
        self.assertIn("contains itself", reply["errorMessage"])
        self.assertTrue(self.call(func="echo", args=1)["ok"])

    def test_converter_failure_shows_user_frames_only(self):
        reply = self.call(func="converter_fails")
        self.assertEqual(reply["errorType"], "ValueError")
        self.assertIn("result[0]", reply["errorMessage"])
        self.assertIn("cannot convert Bad", reply["errorMessage"])
        self.assertIn("_explode", reply["traceback"])
        self.assertNoWorkerFrames(reply)

    def test_user_exception_traceback(self):
        reply = self.call(func="boom", args="k")
        self.assertEqual(reply["errorType"], "KeyError")
        self.assertIn("in boom", reply["traceback"])
        self.assertIn("in helper", reply["traceback"])
        self.assertNoWorkerFrames(reply)

    def test_missing_function(self):
        reply = self.call(func="nope", args=1)
        self.assertEqual(reply["errorType"], "NameError")
        self.assertNotIn("File ", reply["traceback"])

    def test_complex_is_a_clear_error(self):
        reply = self.call(func="complex_result")
        self.assertEqual(reply["errorType"], "TypeError")
        self.assertIn("complex", reply["errorMessage"])

    def test_describe_params(self):
        functions = {f["name"]: f for f in self.defined["functions"]}
        self.assertNotIn("When", [name for name in functions if name == "_explode"])
        typed = functions["typed"]
        self.assertEqual(typed["doc"], "Docstring.")
        self.assertIn("signature", typed)
        self.assertEqual(typed["params"], [
            {"name": "a", "kind": "POSITIONAL_OR_KEYWORD", "annotation": "int"},
            {"name": "b", "kind": "POSITIONAL_OR_KEYWORD", "default": "None", "annotation": "list[str]"}])
        kinds = [p["kind"] for p in functions["kw"]["params"]]
        self.assertEqual(kinds, ["POSITIONAL_OR_KEYWORD", "POSITIONAL_OR_KEYWORD", "VAR_POSITIONAL",
                                 "KEYWORD_ONLY", "VAR_KEYWORD"])
        self.assertEqual(functions["kw"]["params"][1]["default"], "2")


class ArgumentTest(unittest.TestCase):
    def args(self, json_args, parts=(), tagged=True):
        text = '{"type":"call","callID":3,"func":"f","args":%s}' % (json_args,)
        return decode_host_frame(host_frame(text, parts, tagged))["args"]

    def test_untagged_frame_keeps_the_reserved_key(self):
        self.assertEqual(self.args('{"\\u0000":[1004,"2024-05-01"]}', tagged=False),
                         {"\x00": [1004, "2024-05-01"]})

    def test_scalars(self):
        value = self.args('[{"\\u0000":0},{"\\u0000":[0,"2024-05-01T12:30:00.25Z"]},'
                          '{"\\u0000":[1004,"2024-05-01"]},{"\\u0000":[%d,"12:30:00.250+02:00"]},'
                          '{"\\u0000":[4,[-2,-12345]]},{"\\u0000":[777,{"a":1}]},'
                          '18446744073709551616,NaN,-Infinity]' % TIME, [b"bytes!"])
        self.assertEqual(value[0], b"bytes!")
        self.assertIsInstance(value[0], bytes)
        self.assertEqual(value[1], datetime.datetime(2024, 5, 1, 12, 30, 0, 250000, datetime.timezone.utc))
        self.assertEqual(value[2], datetime.date(2024, 5, 1))
        self.assertEqual(value[3], datetime.time(12, 30, 0, 250000,
                                                 datetime.timezone(datetime.timedelta(hours=2))))
        self.assertEqual(value[4], decimal.Decimal("-123.45"))
        self.assertEqual(value[5], qtpyvenv.Tagged(777, {"a": 1}))
        self.assertEqual(value[6], 2 ** 64)
        self.assertTrue(math.isnan(value[7]))
        self.assertEqual(value[8], -float("inf"))

    def test_image(self):
        value = self.args('{"\\u0000":[%d,{"type":"image/png","data":{"\\u0000":0}}]}' % IMAGE, [b"PNG"])
        self.assertEqual(value, qtpyvenv.Image(b"PNG"))

    @unittest.skipIf(np is not None, "numpy is importable: arrays arrive as numpy arrays")
    def test_typed_arrays_without_numpy(self):
        data = array.array("d", [1, 2, 3, 4, 5, 6]).tobytes()
        value = self.args('[{"\\u0000":[40,[[2,3],{"\\u0000":[86,{"\\u0000":0}]}]]},'
                          '{"\\u0000":[78,{"\\u0000":1}]},{"\\u0000":[%d,{"\\u0000":2}]},'
                          '{"\\u0000":[84,{"\\u0000":3}]},{"\\u0000":[40,[[0,3],{"\\u0000":[86,{"\\u0000":4}]}]]}]'
                          % BOOLS, [data, array.array("i", [7, 8]).tobytes(), b"\x01\x00", b"\x00\x3c", b""])
        grid, ints, bools, halves, empty = value
        self.assertIsInstance(grid, memoryview)
        self.assertEqual((grid.format, grid.shape), ("d", (2, 3)))
        self.assertEqual(grid.tolist(), [[1, 2, 3], [4, 5, 6]])
        self.assertEqual(ints.tolist(), [7, 8])
        self.assertEqual(bools.tolist(), [True, False])
        self.assertEqual(halves, [1.0])
        self.assertEqual(empty, [])
        self.assertFalse(grid.readonly)  # a view over the frame's own buffer

    @unittest.skipIf(pd is not None, "pandas is importable: tables arrive as DataFrames")
    def test_table_without_pandas(self):
        value = self.args('{"\\u0000":[%d,{"names":["x","s"],"columns":[{"\\u0000":[40,[[2],'
                          '{"\\u0000":[79,{"\\u0000":0}]}]]},["a",null]],"index":[10,20]}]}' % TABLE,
                          [array.array("q", [1, 2]).tobytes()])
        self.assertEqual(list(value), ["x", "s"])
        self.assertEqual(list(value["x"]), [1, 2])
        self.assertEqual(value["s"], ["a", None])

    def test_round_trip_through_the_worker_encoder(self):
        """What the worker writes, the worker reads back (the host writes the same dialect)."""
        value = {"b": b"\x00\x01", "when": datetime.datetime(2020, 1, 2, 3, 4, 5),
                 "d": datetime.date(2020, 1, 2), "t": datetime.time(1, 2, 3),
                 "dec": decimal.Decimal("3.14"), "big": 10 ** 30, "nan": float("inf"),
                 "tag": qtpyvenv.Tagged(5000, "x"), "img": qtpyvenv.Image(b"GIF", "image/gif")}
        buffers = W._frame({"type": "call", "callID": 9, "func": "f", "args": value})
        back = decode_host_frame(b"".join(bytes(b) for b in buffers))["args"]
        self.assertEqual(back, value)

    def test_bad_arguments_fail_the_call_only(self):
        cases = [
            ("[" * 100000 + "]" * 100000, (), False, "RecursionError"),
            ("1" * 5000, (), False, "ValueError"),
            ('{"\\u0000":[1004,"not a date"]}', (), True, "ValueError"),
            ('{"\\u0000":5}', (b"x",), True, "ValueError"),
            ('{"\\u0000":[40,[[3],{"\\u0000":[86,{"\\u0000":0}]}]]}', (b"x" * 16,), True, "ValueError"),
            ('{"\\u0000":"what"}', (), True, "ValueError"),
        ]
        for args, parts, tagged, error_type in cases:
            data = host_frame('{"type":"call","callID":11,"func":"f","args":%s}' % (args,), parts, tagged)
            with self.assertRaises(W._Undecodable) as caught:
                decode_host_frame(data)
            worker = W.Worker(FakeChannel())
            worker.refuse(caught.exception)
            reply = worker.channel.frames.pop()[1]
            self.assertEqual((reply["type"], reply["callID"], reply["ok"]), ("call_done", 11, False))
            self.assertEqual(reply["errorType"], error_type, args[:40])
            self.assertIn("f()", reply["errorMessage"])

    def test_protocol_violations(self):
        for data in [struct.pack(">I", 0x80000002) + b"{}",
                     struct.pack(">I", PARTS | 12) + struct.pack(">III", 1, 2, 5),
                     host_frame('{"type":"call"}', [b"abc"])[:-1],
                     host_frame("[1]", tagged=True),
                     host_frame('{"a":1} x', tagged=False)]:
            (word,) = struct.unpack_from(">I", data)
            with self.assertRaises(W.ProtocolViolation):
                if word & 0x80000000:
                    channel = W.Channel(-1, -1, 1 << 28)
                    channel._buf += data
                    channel.read_frame()
                else:
                    body = bytearray(data[4:])
                    if word != word & 0x1FFFFFFF:
                        W._decode_flagged(word & 0xE0000000, body)
                    else:
                        W._parse(body.decode())


@unittest.skipUnless(np is not None, "numpy is not importable")
class NumpyTest(unittest.TestCase):
    def test_arrays_out(self):
        cases = [(np.arange(6, dtype="<f8").reshape(2, 3), 86), (np.array([True, False]), BOOLS),
                 (np.arange(4, dtype=np.int8), 72), (np.arange(4, dtype=">i4"), 78),
                 (np.arange(12, dtype=np.uint16).reshape(3, 4)[:, ::2], 69),
                 (np.arange(3, dtype=np.float16), 84), (np.zeros((0, 3), dtype=np.float32), 85)]
        for value, tag in cases:
            result = result_of(value)
            self.assertEqual(result.tag, 40)
            self.assertEqual(result.value[0], list(value.shape))
            self.assertEqual(result.value[1].tag, tag)
            self.assertEqual(result.value[1].value,
                             np.ascontiguousarray(value).astype(value.dtype.newbyteorder("<")).tobytes())

    def test_zero_copy_out(self):
        value = np.arange(1 << 16, dtype=np.float64)
        _state = qtpyvenv._state
        W._encode({"result": value})
        parts = _state.parts
        qtpyvenv._reset()
        self.assertTrue(np.shares_memory(np.frombuffer(parts[0], dtype=np.float64), value))

    def test_scalars_and_other_dtypes(self):
        self.assertEqual(result_of([np.int64(3), np.float32(0.5), np.bool_(True), np.uint8(7)]),
                         [3, 0.5, True, 7])
        self.assertEqual(result_of(np.array(["a", "b"])), ["a", "b"])
        self.assertEqual(result_of(np.array([1, "x", None], dtype=object)), [1, "x", None])
        self.assertEqual(result_of(np.array(["2024-05-01T12:00"], dtype="datetime64[ns]")),
                         [T(0, "2024-05-01T12:00:00")])
        reply = call(make_worker("import numpy\ndef f():\n    return {'z': numpy.zeros(2, complex)}")[0], func="f")
        self.assertEqual(reply["errorType"], "TypeError")
        self.assertIn('result["z"]', reply["errorMessage"])

    def test_arrays_in_are_zero_copy_and_writable(self):
        data = np.arange(6, dtype="<f8").tobytes()
        text = '{"type":"call","callID":1,"func":"f","args":[{"\\u0000":[40,[[2,3],{"\\u0000":[86,{"\\u0000":0}]}]]},' \
               '{"\\u0000":[%d,{"\\u0000":1}]},{"\\u0000":2}]}' % BOOLS
        frame = host_frame(text, [data, b"\x01\x00", b"raw"])
        (word,) = struct.unpack_from(">I", frame)
        body = bytearray(frame[4:])
        grid, bools, raw = W._decode_flagged(word & 0xE0000000, body)["args"]
        self.assertEqual(grid.shape, (2, 3))
        self.assertEqual(grid.tolist(), [[0, 1, 2], [3, 4, 5]])
        self.assertTrue(grid.flags.writeable)
        self.assertTrue(np.shares_memory(grid, np.frombuffer(body, dtype=np.uint8)))
        self.assertEqual(bools.tolist(), [True, False])
        self.assertEqual(raw, b"raw")
        self.assertIsInstance(raw, bytes)


@unittest.skipUnless(pd is not None, "pandas is not importable")
class PandasTest(unittest.TestCase):
    def test_frame_out(self):
        frame = pd.DataFrame({"x": [1.5, 2.5], "n": [1, 2], "s": ["a", None],
                              "when": pd.to_datetime(["2024-01-01", None])})
        table = result_of(frame)
        self.assertEqual(table.tag, TABLE)
        self.assertEqual(table.value["names"], ["x", "n", "s", "when"])
        x, n, s, when = table.value["columns"]
        self.assertEqual((x.value[1].tag, n.value[1].tag), (86, 79))
        self.assertEqual(s, ["a", None])
        self.assertEqual(when, [T(0, "2024-01-01T00:00:00"), None])
        self.assertNotIn("index", table.value)
        indexed = result_of(frame.set_index("s"))
        self.assertEqual((indexed.value["index"], indexed.value["indexName"]), (["a", None], "s"))
        series = result_of(pd.Series([1.0, 2.0], name="v", index=[5, 6]))
        self.assertEqual(series.value["names"], ["v"])
        self.assertEqual(series.value["index"].value[0], [2])

    def test_table_in(self):
        text = ('{"type":"call","callID":1,"func":"f","args":{"\\u0000":[%d,{"names":["x","s"],'
                '"columns":[{"\\u0000":[40,[[2],{"\\u0000":[79,{"\\u0000":0}]}]]},["a",null]],'
                '"index":[10,20],"indexName":"k"}]}}' % TABLE)
        frame = decode_host_frame(host_frame(text, [np.array([1, 2], "<i8").tobytes()]))["args"]
        self.assertIsInstance(frame, pd.DataFrame)
        self.assertEqual(list(frame.columns), ["x", "s"])
        self.assertEqual(frame["x"].tolist(), [1, 2])
        self.assertEqual(list(frame.index), [10, 20])
        self.assertEqual(frame.index.name, "k")


class ImagesTest(unittest.TestCase):
    @unittest.skipUnless(optional("matplotlib"), "matplotlib is not importable")
    def test_figure(self):
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.figure
        figure = matplotlib.figure.Figure(figsize=(1, 1))
        figure.add_subplot().plot([1, 2])
        image = result_of(figure)
        self.assertEqual(image.tag, IMAGE)
        self.assertTrue(image.value["data"].startswith(b"\x89PNG"))

    @unittest.skipUnless(optional("PIL"), "PIL is not importable")
    def test_pil(self):
        from PIL import Image
        image = result_of(Image.new("CMYK", (2, 2)))
        self.assertEqual(image.value["type"], "image/png")
        self.assertTrue(image.value["data"].startswith(b"\x89PNG"))


def _subreaper():
    """As the host starts the worker: a child subreaper leading its own process group. And without
    core dumps, for the crashes the tests cause."""
    os.setpgid(0, 0)
    import ctypes
    import resource
    PR_SET_CHILD_SUBREAPER = 36
    ctypes.CDLL(None, use_errno=True).prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


class LanesTest(unittest.TestCase):
    """A local worker's two lanes: big frames go on the socket, each after a marker on the pipe
    that keeps its place among the small frames."""

    def setUp(self):
        self.host, worker_end = socket.socketpair()
        self.addCleanup(self.host.close)
        self.addCleanup(worker_end.close)
        self.pipe_in, pipe_out = os.pipe()
        self.addCleanup(os.close, self.pipe_in)
        self.addCleanup(os.close, pipe_out)
        self.channel = W.Channel(worker_end.fileno(), pipe_out, 1 << 28, worker_end.fileno())

    def read_lanes(self):
        """The frames in the order a host reading both lanes gets them: (lane, message) pairs."""
        pipe = b""
        while select.select([self.pipe_in], [], [], 0)[0]:
            pipe += os.read(self.pipe_in, 1 << 20)
        got = []
        while pipe:
            (word,) = struct.unpack_from(">I", pipe)
            if word == 0x80000000:
                pipe = pipe[4:]
                head = self.receive_exactly(4)
                (size,) = struct.unpack(">I", head)
                got.append(("bulk", read_frame(head + self.receive_exactly(size & 0x1FFFFFFF))[1]))
                continue
            end = 4 + (word & 0x1FFFFFFF)
            got.append(("pipe", read_frame(pipe[:end])[1]))
            pipe = pipe[end:]
        self.host.setblocking(False)
        with self.assertRaises(BlockingIOError):
            self.host.recv(1)  # nothing on the socket that no marker announced
        self.host.setblocking(True)
        return got

    def receive_exactly(self, count):
        data = b""
        while len(data) < count:
            data += self.host.recv(count - len(data))
        return data

    def test_big_frames_take_the_socket_in_their_place(self):
        big = "x" * W._BULK_LANE_BYTES
        self.channel.send({"n": 1})
        self.channel.send({"n": 2, "text": big})
        self.channel.send({"n": 3})
        self.channel.send({"n": 4, "text": big[:W._BULK_LANE_BYTES - 40]})  # just under: the pipe
        self.assertEqual([(lane, message["n"]) for lane, message in self.read_lanes()],
                         [("pipe", 1), ("bulk", 2), ("pipe", 3), ("pipe", 4)])

    def test_a_queued_batch_keeps_its_order_across_the_lanes(self):
        with self.channel._out_lock:
            self.channel._flushing = True  # as while another thread writes: frames queue
        big = "y" * (W._BULK_LANE_BYTES * 2)
        for n in range(6):
            self.channel.send({"n": n, "text": big if n % 3 == 1 else ""})
        self.channel._flush()  # as that thread does when it is through
        self.assertFalse(self.channel._flushing)
        self.assertEqual([(lane, message["n"]) for lane, message in self.read_lanes()],
                         [("pipe", 0), ("bulk", 1), ("pipe", 2), ("pipe", 3), ("bulk", 4), ("pipe", 5)])


class WorkerProcess(unittest.TestCase):
    """The worker as the host runs it: a subprocess on one end of a socketpair, a child subreaper
    (its guard stays behind as the process started, the worker is its child)."""

    THREADS = 3  # MAX_WORKERS

    def setUp(self):
        self.host, child = socket.socketpair()
        fd = child.fileno()
        self.process = subprocess.Popen(
            [sys.executable, os.path.join(WORKER_DIR, "qtpyvenv_worker.py"), str(self.THREADS), str(256 << 20)],
            env=dict(os.environ, QTPYVENV_PROTOCOL_FD=str(fd)), pass_fds=[fd], stderr=subprocess.PIPE,
            preexec_fn=_subreaper)
        child.close()
        self.host.settimeout(60)
        self.buffer = b""

    def tearDown(self):
        self.host.close()
        self.process.wait(timeout=30)
        self.process.stderr.close()

    def receive(self):
        while True:
            if len(self.buffer) >= 4:
                (word,) = struct.unpack_from(">I", self.buffer)
                end = 4 + (word & 0x1FFFFFFF)
                if len(self.buffer) >= end:
                    data, self.buffer = self.buffer[:end], self.buffer[end:]
                    return read_frame(data)
            chunk = self.host.recv(1 << 20)
            if not chunk:
                self.fail("the worker closed the socket: %r" % (self.process.stderr.read(),))
            self.buffer += chunk


class EndToEndTest(WorkerProcess):
    def test_session(self):
        flags, ready, _, _ = self.receive()
        self.assertEqual((ready["type"], ready["protocol"]), ("ready", 2))
        code = ("import qtpyvenv, datetime\n"
                "def echo(args):\n    return args\n"
                "def size(data, *, times=1):\n    return {'n': len(data) * times, 'copy': bytes(data)}\n"
                "def fail(args):\n    raise RuntimeError('no')\n"
                "def now():\n    return qtpyvenv.Tagged(1, datetime.date(2024, 5, 1))\n")
        self.host.sendall(host_frame(json.dumps({"type": "define", "opID": 1, "sources": [
            {"name": "<source 1>", "code": code}]}), tagged=False))
        reply = self.receive()[1]
        self.assertTrue(reply["ok"], reply)
        self.assertEqual([f["name"] for f in reply["functions"]], ["echo", "size", "fail", "now"])

        self.host.sendall(host_frame('{"type":"call","callID":1,"func":"echo","args":{"text":"hello","n":42}}',
                                     tagged=False))
        self.assertEqual(self.receive()[1], {"type": "call_done", "callID": 1, "ok": True,
                                             "result": {"text": "hello", "n": 42}})
        payload = os.urandom(3 << 20)
        self.host.sendall(host_frame('{"type":"call","callID":2,"func":"size","argv":[{"\\u0000":0}],'
                                     '"kwargs":{"times":2}}', [payload]))
        flags, reply, parts, _ = self.receive()
        self.assertEqual(flags, TAGGED | PARTS)
        self.assertEqual(reply["result"], {"n": 2 * len(payload), "copy": payload})

        deep = "[" * 100000 + "]" * 100000
        self.host.sendall(host_frame('{"type":"call","callID":3,"func":"echo","args":%s}' % deep, tagged=False))
        reply = self.receive()[1]
        self.assertEqual((reply["callID"], reply["ok"], reply["errorType"]), (3, False, "RecursionError"))

        self.host.sendall(host_frame('{"type":"call","callID":4,"func":"fail","args":null}', tagged=False))
        reply = self.receive()[1]
        self.assertEqual(reply["errorType"], "RuntimeError")
        self.assertIn("in fail", reply["traceback"])
        self.assertNotIn("qtpyvenv_worker.py", reply["traceback"])

        self.host.sendall(host_frame('{"type":"call","callID":5,"func":"now"}', tagged=False))
        self.assertEqual(self.receive()[1]["result"], T(1, T(1004, "2024-05-01")))
        self.host.sendall(host_frame('{"type":"call","callID":6,"func":"echo","args":%d}' % (2 ** 1100,),
                                     tagged=False))
        self.assertEqual(self.receive()[1]["result"], 2 ** 1100)
        self.host.sendall(host_frame('{"type":"ping","opID":9}', tagged=False))
        self.assertEqual(self.receive()[1], {"type": "pong", "opID": 9})

        self.host.shutdown(socket.SHUT_WR)
        self.assertEqual(self.process.wait(timeout=30), 0)

    def test_reserved_flag_ends_the_worker(self):
        self.receive()
        self.host.sendall(struct.pack(">I", 0x80000002) + b"{}")
        self.assertEqual(self.process.wait(timeout=30), 70)
        self.assertIn(b"reserved flag", self.process.stderr.read())


def _alive(pid):
    """True while pid is a process that is not a zombie."""
    try:
        with open("/proc/%d/stat" % (pid,), "rb") as stat:
            return stat.read().rpartition(b")")[2].split()[0] != b"Z"
    except OSError:
        return False


class GuardTest(WorkerProcess):
    """The guard: whatever ends the worker, every process below it is gone once the guard exits,
    and the guard exits as the worker did."""

    SOURCE = ("import os, subprocess, sys\n"
              "def spawn():\n"
              "    plain = subprocess.Popen(['sleep', '1000'])\n"
              "    own = subprocess.Popen(['sleep', '1000'], start_new_session=True)\n"
              "    deep = subprocess.Popen([sys.executable, '-c', 'import subprocess, time; print(subprocess.Popen('\n"
              "                             '[\"sleep\", \"1000\"], start_new_session=True).pid, flush=True); '\n"
              "                             'time.sleep(1000)'], stdout=subprocess.PIPE, start_new_session=True)\n"
              "    grandchild = int(deep.stdout.readline())\n"
              "    return [os.getppid(), os.getpid(), plain.pid, own.pid, deep.pid, grandchild]\n"
              "def leave(code):\n"
              "    os._exit(code)\n")

    def spawned(self):
        self.assertEqual(self.receive()[1]["type"], "ready")
        self.host.sendall(host_frame(json.dumps({"type": "define", "opID": 1, "sources": [
            {"name": "<spawn>", "code": self.SOURCE}]}), tagged=False))
        self.assertTrue(self.receive()[1]["ok"])
        self.host.sendall(host_frame('{"type":"call","callID":1,"func":"spawn","args":null}', tagged=False))
        reply = self.receive()[1]
        self.assertTrue(reply["ok"], reply)
        pids = reply["result"]
        self.assertEqual(pids[0], self.process.pid)
        self.assertEqual([pid for pid in pids if _alive(pid)], pids)
        self.addCleanup(lambda: [os.kill(pid, 9) for pid in pids if _alive(pid)])
        return pids

    def assertAllGone(self, pids):
        # The guard reaped them before it exited: not even zombies are left.
        self.assertEqual([pid for pid in pids if os.path.exists("/proc/%d" % (pid,))], [])

    def test_sigterm_tears_down_the_tree(self):
        pids = self.spawned()
        os.kill(self.process.pid, signal.SIGTERM)
        self.assertEqual(self.process.wait(timeout=30), -signal.SIGKILL)
        self.assertAllGone(pids)

    def assertGuardFollows(self, signum):
        pids = self.spawned()
        os.kill(pids[1], signum)
        self.assertEqual(self.process.wait(timeout=30), -signum)
        self.assertAllGone(pids)

    def test_worker_killed(self):
        self.assertGuardFollows(signal.SIGKILL)

    def test_worker_crashed(self):
        self.assertGuardFollows(signal.SIGSEGV)

    def test_worker_ended_by_another_signal(self):
        self.assertGuardFollows(signal.SIGUSR1)

    def test_worker_exit_code(self):
        pids = self.spawned()
        self.host.sendall(host_frame('{"type":"call","callID":2,"func":"leave","args":3}', tagged=False))
        self.assertEqual(self.process.wait(timeout=30), 3)
        self.assertAllGone(pids)

    def test_host_hangs_up(self):
        pids = self.spawned()
        self.host.close()  # the worker reads the end of input and exits; its children go with it
        self.assertEqual(self.process.wait(timeout=30), 0)
        self.assertAllGone(pids)

    def test_host_hangs_up_while_the_guard_cannot_act(self):
        # As when a launcher ends the job and kills the guard as the worker ends (srun with
        # proctrack/linuxproc): the worker ends what it started before it exits.
        pids = self.spawned()
        os.kill(self.process.pid, signal.SIGSTOP)
        try:
            self.host.close()
            self.assertTrue(_eventually(lambda: not any(_alive(pid) for pid in pids[1:])),
                            [pid for pid in pids[1:] if _alive(pid)])
        finally:
            os.kill(self.process.pid, signal.SIGCONT)
        self.assertEqual(self.process.wait(timeout=30), 0)
        self.assertAllGone(pids)

    def test_hangup_of_its_orphaned_process_group(self):
        # A host that dies while the worker is stopping its tree (end of input) leaves the guard's
        # process group orphaned with a stopped member, which the kernel sends SIGHUP and SIGCONT.
        pids = self.spawned()
        os.kill(pids[3], signal.SIGSTOP)  # outside the group, as the worker leaves it when SIGHUP ends it
        os.killpg(self.process.pid, signal.SIGHUP)
        os.killpg(self.process.pid, signal.SIGCONT)
        self.process.wait(timeout=30)
        self.assertAllGone(pids)


def _eventually(condition, seconds=10):
    """Whether condition() becomes true within `seconds`, looking every few milliseconds."""
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.005)
    return True


# A chain of DEPTH + 1 processes, each printing its pid before it starts the next.
_CHAIN = ("import os, subprocess, sys, time\n"
          "print(os.getpid(), flush=True)\n"
          "if int(sys.argv[2]):\n"
          "    subprocess.Popen([sys.executable, '-c', sys.argv[1], sys.argv[1], str(int(sys.argv[2]) - 1)])\n"
          "time.sleep(1000)\n")

# As the guard: a subreaper tears down a chain below it and prints the chain's pids and the
# signals it sent them, in order.
_TEAR_DOWN = ("import ctypes, json, os, subprocess, sys\n"
              "from unittest import mock\n"
              "sys.path.insert(0, sys.argv[1])\n"
              "import qtpyvenv_worker as W\n"
              "ctypes.CDLL(None).prctl(36, 1, 0, 0, 0)\n"
              "chain = subprocess.Popen([sys.executable, '-c', sys.argv[2], sys.argv[2], '2'], stdout=subprocess.PIPE)\n"
              "pids = [int(chain.stdout.readline()) for _ in range(3)]\n"
              "with mock.patch('os.kill', wraps=os.kill) as kill:\n"
              "    W._tear_down(chain.pid, None)\n"
              "print(json.dumps([pids, [list(call.args) for call in kill.call_args_list if call.args[0] in pids]]))\n")


# As the bootstrap runs a tool: its output read one byte at a time, which splits every character
# of more than one byte, and the frames sent printed as JSON lines.
_TOOL_OUTPUT = ("import json, struct, sys\n"
                "sys.path.insert(0, sys.argv[1])\n"
                "import qtpyvenv_bootstrap as B\n"
                "B._OUTPUT_CHUNK = 1\n"
                "B._send = lambda message: print(json.dumps(message), file=sys.stderr)\n"
                "B._run([sys.executable, '-c', 'import sys; sys.stdout.buffer.write(sys.argv[1].encode())', sys.argv[2]], 'tool')\n")


class BootstrapTest(unittest.TestCase):
    def test_tool_output_keeps_characters_split_between_reads(self):
        text = "h\u00e9llo \u2713 \U0001f600\n"
        # The bootstrap ends when its input hangs up: the host's side stays open meanwhile.
        with subprocess.Popen([sys.executable, "-c", _TOOL_OUTPUT, WORKER_DIR, text], stdin=subprocess.PIPE,
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE) as bootstrap:
            said = bootstrap.stderr.read()
            self.assertEqual(bootstrap.wait(timeout=60), 0, said)
        frames = [json.loads(line) for line in said.decode().splitlines()]
        self.assertEqual({frame["type"] for frame in frames}, {"install_output"})
        self.assertEqual("".join(frame["data"] for frame in frames), text)


class ChildrenTest(unittest.TestCase):
    def test_scan_finds_what_the_listing_does(self):
        children = [subprocess.Popen(["sleep", "1000"]) for _ in range(3)]
        try:
            mine = sorted(child.pid for child in children)
            self.assertEqual(sorted(set(W._children(os.getpid())) & set(mine)), mine)
            self.assertEqual(sorted(set(W._children_by_scan(os.getpid())) & set(mine)), mine)
        finally:
            for child in children:
                child.kill()
                child.wait()


class TearDownTest(unittest.TestCase):
    def test_stops_the_whole_tree_then_kills_children_before_parents(self):
        # A tree walk (Slurm's proctrack/linuxproc) misses what lives on below a dying process.
        done = subprocess.run([sys.executable, "-c", _TEAR_DOWN, WORKER_DIR, _CHAIN], capture_output=True,
                              timeout=60)
        self.assertEqual(done.returncode, 0, done.stderr)
        pids, signals = json.loads(done.stdout)
        # The first round; later ones signal what is left to reap.
        self.assertEqual(signals[:6], [[pid, signal.SIGSTOP] for pid in pids] + [[pid, signal.SIGKILL] for pid in pids[::-1]])
        self.assertEqual([pid for pid in pids if os.path.exists("/proc/%d" % (pid,))], [])


if __name__ == "__main__":
    unittest.main()
