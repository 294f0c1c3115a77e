# SPDX-License-Identifier: MIT
"""Writes the seed corpus of the frame fuzzers into tests/fuzz/corpus/ (docs/protocol.md).

Each seed is a byte stream as one side reads it from the other: frames the worker sends and the
host sends, and the broken streams that issue 8 found or that border on them. Frames are built
here, independently of worker/qtpyvenv_worker.py. Run it again after changing a seed; seeds whose
names start with "regress-" were found by fuzzing and are kept as they are.

    python3 tests/fuzz/make_corpus.py
"""
import os
import random
import struct

TAGGED, PARTS, RESERVED = 0x20000000, 0x40000000, 0x80000000
TABLE, IMAGE, BOOLS, TIME = 0x51505601, 0x51505602, 0x51505603, 0x51505604
NDARRAY, FLOAT64, INT8, UINT16_BE = 40, 86, 72, 65
CORPUS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus")


def frame(text, parts=None, flags=0):
    """One frame: its word, and a body with the part table when there are parts."""
    body = text.encode("utf-8") if isinstance(text, str) else text
    if parts is not None:
        table = struct.pack(">%dI" % (len(parts) + 2), len(parts), len(body), *map(len, parts))
        body = table + body
        for part in parts:
            body += bytes(16 + (-len(body) & 15)) + part
        flags |= PARTS
    return struct.pack(">I", flags | len(body)) + body


def done(result, call_id=1):
    text = '{"type":"call_done","callID":%d,"ok":true,"result":%s}' % (call_id, result)
    return frame(text)


def tagged_done(result, parts=None, call_id=1):
    text = '{"type":"call_done","callID":%d,"ok":true,"result":%s}' % (call_id, result)
    return frame(text, parts, TAGGED)


def tag(number, value):
    return '{"\\u0000":[%d,%s]}' % (number, value)


def part(index):
    return '{"\\u0000":%d}' % (index,)


def nested(depth):
    return "[" * depth + "]" * depth


def seeds():
    ready = frame('{"type":"ready","protocol":2,"pid":42,"python":"3.11.2","executable":"/venv/bin/python"}')
    defined = frame('{"type":"op_done","opID":1,"ok":true,"functions":[{"name":"f","signature":"(x)",'
                    '"doc":"","params":[{"name":"x","kind":"POSITIONAL_OR_KEYWORD"}]}]}')
    floats = struct.pack("<3d", 1.5, -0.0, 1e300)
    yield "handshake", ready + defined
    yield "calls", done("null") + done('{"a":[1,2.5,"x\\u00e9\\n",true,null],"b":{}}', 2) + \
        frame('{"type":"call_done","callID":3,"ok":false,"errorType":"ValueError",'
              '"errorMessage":"bad","traceback":"Traceback..."}')
    yield "literals", done("[NaN,Infinity,-Infinity,1e400,-0.0,1E-400]")
    yield "nested-512", done(nested(510))
    yield "nested-513", done(nested(511))
    yield "nested-2000", done(nested(2000))
    yield "nested-maps", done('{"a":' * 600 + "1" + "}" * 600)
    yield "huge-int", done("1" + "0" * 400)
    yield "big-ints", done("[18446744073709551616,-9223372036854775809,9223372036854775807,"
                           "-9223372036854775808,-%s]" % ("9" * 80))
    yield "stray-prefix", struct.pack(">I", 4096) + done("1")
    yield "stray-prefix-alone", ready + struct.pack(">I", 4096)
    yield "stray-prefix-zero", struct.pack(">I", 0) + done("1")
    yield "stray-prefix-huge", struct.pack(">I", 200 << 20) + done("1")
    yield "stray-prefix-in-frame", done("1")[:20] + struct.pack(">I", 8) + done("1")[20:]
    yield "partial-word", ready + b"\x00\x00"
    yield "over-cap", struct.pack(">I", (256 << 20) + 1) + b"{}"
    yield "reserved-flag", struct.pack(">I", RESERVED | 2) + b"{}"
    yield "not-object", frame("[1,2]") + frame("1") + frame(" {}") + frame("{} x")
    yield "bad-utf8", frame(b'{"type":"call_done","callID":1,"ok":true,"result":"\xff\xfe\xc3"}')
    yield "bad-utf8-tagged", frame(b'{"type":"call_done","callID":1,"ok":true,"result":"\xed\xa0\x80"}', [b""], TAGGED)
    yield "bad-escapes", done('"\\ud800\\u00\\x"')
    rng = random.Random(8)
    yield "garbage", bytes(rng.randrange(256) for _ in range(512))
    yield "garbage-after-frame", ready + bytes(rng.randrange(256) for _ in range(64))
    yield "parts-bytes", tagged_done("[%s,%s,%s]" % (part(0), part(1), part(2)),
                                     [b"abc", b"", bytes(range(256)) * 300])
    yield "parts-untagged", frame('{"type":"call_done","callID":1,"ok":true,"result":null}', [b"xyz"])
    yield "parts-table-short", struct.pack(">II", PARTS | 4, 1)
    yield "parts-count-huge", struct.pack(">III", PARTS | 8, 0xffffffff, 2) + b"{}"
    yield "parts-json-huge", struct.pack(">IIII", PARTS | 14, 1, 0xffffff00, 3) + b"{}"
    good = tagged_done(part(0), [b"abcd"])
    yield "parts-sum-off", struct.pack(">I", struct.unpack_from(">I", good)[0] + 1) + good[4:] + b"\0"
    yield "parts-no-json", frame(b"", [b"abc"], TAGGED)
    yield "parts-index-out-of-range", tagged_done(part(5), [b"a"])
    yield "ndarray-float64", tagged_done(tag(NDARRAY, "[[3],%s]" % tag(FLOAT64, part(0))), [floats])
    yield "ndarray-shapes", tagged_done("[%s,%s,%s,%s]" % (
        tag(NDARRAY, "[[2,2],%s]" % tag(INT8, part(0))),
        tag(NDARRAY, "[[4294967296,0],%s]" % tag(INT8, part(1))),
        tag(NDARRAY, "[[-1],%s]" % tag(FLOAT64, part(2))),
        tag(NDARRAY, "[[%s],%s]" % (",".join(["1"] * 70), tag(INT8, part(3))))),
        [b"\x01\x02\x03\x04", b"", floats, b"\x07"])
    yield "ndarray-bare-big-endian", tagged_done(tag(UINT16_BE, part(0)), [b"\x00\x01\x00\x02\x00"])
    yield "bool-array", tagged_done(tag(NDARRAY, "[[3],%s]" % tag(BOOLS, part(0))), [b"\x00\x01\x02"])
    yield "table", tagged_done(tag(TABLE, '{"names":["a","b"],"columns":[%s,[1,"x"]],"index":[5,6],'
                                          '"indexName":"i"}' % tag(NDARRAY, "[[2],%s]" % tag(FLOAT64, part(0)))),
                               [floats[:16]])
    yield "table-ragged", tagged_done(tag(TABLE, '{"names":["a"],"columns":[[1,2],[3]]}'))
    yield "image", tagged_done(tag(IMAGE, '{"type":"image/png","data":%s}' % part(0)),
                               [b"\x89PNG\r\n\x1a\n" + bytes(40)])
    yield "bignums", tagged_done("[%s,%s,%s]" % (tag(2, part(0)), tag(3, part(1)), tag(4, "[-2,%s]" % ("7" * 50))),
                                 [bytes([1] + [0] * 20), b"\xff" * 9])
    yield "dates", tagged_done("[%s,%s,%s]" % (tag(0, '"2024-05-01T12:30:00.25+02:00"'), tag(1004, '"2024-02-30"'),
                                               tag(TIME, '"25:61:00"')))
    yield "tags-odd", tagged_done("[%s,%s,%s,%s]" % (tag(18446744073709551615, "null"), tag(1, nested(3)),
                                                     '{"\\u0000":-1}', '{"\\u0000":[1]}'))
    yield "nested-tags", tagged_done(tag(7, tag(7, tag(7, "1"))))
    yield "host-call", frame('{"type":"call","callID":7,"func":"f","args":{"x":[1,2,{"y":null}]}}')
    yield "host-call-kwargs", frame('{"type":"call","callID":8,"func":"g","argv":[%s],"kwargs":{"k":%s}}'
                                    % (part(0), tag(NDARRAY, "[[1],%s]" % tag(FLOAT64, part(1)))),
                                    [b"bytes", floats[:8]], TAGGED)
    yield "host-define", frame('{"type":"define","opID":1,"sources":[{"name":"<source 1>","code":"def f(x):\\n  return x\\n"}]}')
    yield "host-call-deep", frame('{"type":"call","callID":9,"func":"f","args":%s}' % nested(1200))
    yield "host-call-huge-int", frame('{"type":"call","callID":10,"func":"f","args":%s}' % ("9" * 5000))


def main():
    os.makedirs(CORPUS, exist_ok=True)
    for name in os.listdir(CORPUS):
        if not name.startswith("regress-"):
            os.remove(os.path.join(CORPUS, name))
    for name, data in seeds():
        with open(os.path.join(CORPUS, name), "wb") as out:
            out.write(data)


if __name__ == "__main__":
    main()
