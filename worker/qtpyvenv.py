# SPDX-License-Identifier: MIT
"""qtpyvenv: what code running in a QtPyVenv worker can use.

    import qtpyvenv

    qtpyvenv.register(Point, lambda p: {"x": p.x, "y": p.y})  # how results of a type are sent
    return qtpyvenv.Image(png_bytes)                          # an encoded image (image/png)
    return qtpyvenv.Tagged(1234, "value")                     # a CBOR tag the host sees as such
    qtpyvenv.progress(i, total=n, message="fitting")          # the call's progress, rate-limited
    if qtpyvenv.cancelled(): ...                              # the host asked to cancel this call

A function that is a generator streams each value it yields to the host as a partial result, in
order, before the call's result: its return value, or the last value it yielded when it returns
None. A cancel raises qtpyvenv.Cancelled in the thread running the call. tqdm bars created in a
call report as its progress and print nothing meanwhile.

Results convert without user code: numpy scalars and arrays, pandas DataFrames and Series,
bytes, bytearray, memoryview, array.array, datetime/date/time, Decimal, set/frozenset, big
ints, NaN and infinities, matplotlib Figures and PIL Images. Arguments arrive as numpy arrays
(when numpy is importable; else memoryviews), DataFrames (when pandas is; else a dict of
columns), bytes, datetime/date/time, Decimal, qtpyvenv.Image and qtpyvenv.Tagged.

Everything with a leading underscore is the worker's: how values go to and come from the wire
(docs/protocol.md). Stdlib only: numpy, pandas, matplotlib and PIL are used only for values of
their types, and imported only when an argument needs numpy or pandas.
"""
import array
import contextvars
import datetime
import decimal
import itertools
import re
import struct
import sys
import threading

__all__ = ["register", "Image", "Tagged", "progress", "cancelled", "Cancelled"]

_type = type


class Image:
    """An encoded image: its bytes and MIME type. Sent as the Image tag; images the host sends
    arrive as this."""

    __slots__ = ("data", "mime_type")

    def __init__(self, data, mime_type="image/png"):
        if not isinstance(data, (bytes, bytearray, memoryview)):
            raise TypeError("qtpyvenv.Image needs bytes, not %s" % (_type(data).__name__,))
        if not isinstance(mime_type, str) or not mime_type:
            raise ValueError("qtpyvenv.Image needs a MIME type such as 'image/png'")
        self.data = data
        self.mime_type = mime_type

    def __repr__(self):
        return "qtpyvenv.Image(<%d bytes>, %r)" % (memoryview(self.data).nbytes, self.mime_type)

    def __eq__(self, other):
        if not isinstance(other, Image):
            return NotImplemented
        return self.mime_type == other.mime_type and bytes(self.data) == bytes(other.data)

    __hash__ = None


class Tagged:
    """A CBOR tag on a value: one the host sent that Python has no type for, or one to send."""

    __slots__ = ("tag", "value")

    def __init__(self, tag, value):
        if _type(tag) is not int or not 0 <= tag < 1 << 64:
            raise ValueError("a CBOR tag is an unsigned 64-bit integer, not %r" % (tag,))
        self.tag = tag
        self.value = value

    def __repr__(self):
        return "qtpyvenv.Tagged(%d, %r)" % (self.tag, self.value)

    def __eq__(self, other):
        if not isinstance(other, Tagged):
            return NotImplemented
        return self.tag == other.tag and self.value == other.value

    __hash__ = None


def register(type, converter):
    """Sends values of `type` (and of its subclasses) as `converter(value)` returns them: any
    value the worker can send, e.g. a dict. The most specific class of a value's MRO that has a
    conversion wins; for the same class a registration wins over the built-in one. None as
    converter removes a registration. Plain JSON values (str, int, float, bool, None, list,
    tuple, dict and their subclasses) are sent as they are and never reach a converter."""
    if not isinstance(type, _type):
        raise TypeError("qtpyvenv.register() needs a class, not %r" % (type,))
    if converter is None:
        _registered.pop(type, None)
    elif not callable(converter):
        raise TypeError("qtpyvenv.register() needs a callable converter, not %r" % (converter,))
    else:
        _registered[type] = converter
    _converters.clear()


class Cancelled(BaseException):
    """Raised in the thread running a call when the host cancels it.

    A BaseException, like KeyboardInterrupt and asyncio.CancelledError (since Python 3.8, for
    the same reason): user code is full of `except Exception:` handlers that log and go on, or
    retry, and one of them would otherwise swallow the cancel and keep the call running. Catch
    it only to clean up, and re-raise it; a call that was cancelled is reported cancelled even if
    its code catches this and returns."""


def progress(done, total=None, message=""):
    """Reports how far the current call is: `done` out of `total` (None: unknown), with a short
    message. Cheap enough for every step of a tight loop: it sends the first report at once,
    then the latest at most every 50 ms, and the last one before the call's result. Numbers are
    checked when a report is sent (TypeError for what is not one). Once the call is cancelled
    it raises Cancelled. Outside a call, and in threads the call started, it does nothing."""
    call = _call()
    call.done = done  # three stores cost less than making a tuple
    call.total = total
    call.message = message
    if call.due:  # set by the worker's clock every 50 ms: no clock read, no counting here
        call.tick()


def cancelled():
    """True once the host asked to cancel the current call: for loops in native code that
    qtpyvenv.Cancelled cannot interrupt, to check now and then and stop by themselves."""
    return _call().cancelled


class _NoCall:
    """Where progress() writes in a thread that runs no call: nothing is sent."""
    __slots__ = ("done", "total", "message")
    cancelled = False
    due = False
    call_id = None


# The state of the call the thread runs: the worker sets each of its threads' once. A context
# variable rather than a threading.local: its get() costs a few ns where a thread-local's
# attribute costs some 30, a third of progress(). A new thread starts with an empty context, so
# threads a call starts see no call, as they would with a thread-local.
_current_call = contextvars.ContextVar("qtpyvenv_call", default=_NoCall())
_call = _current_call.get

# ------------------------------------------------------------------------------------------
# The wire (docs/protocol.md). Everything below is the worker's.

_TAG_KEY = "\x00"
_MAX_DEPTH = 512
_MAX_EMPTY_LISTS = 1 << 16  # nested empty lists of an empty array without numpy
TAG_DATETIME = 0
TAG_BIGNUM_POS = 2
TAG_BIGNUM_NEG = 3
TAG_DECIMAL = 4
TAG_NDARRAY = 40
TAG_DATE = 1004
TAG_TABLE = 0x51505601
TAG_IMAGE = 0x51505602
TAG_BOOL_ARRAY = 0x51505603
TAG_TIME = 0x51505604

_registered = {}  # class -> converter, from register()
_converters = {}  # type -> converter or None: what _resolve() found, per type


class _TagDict(dict):
    """A tag object made by the worker (a user's dict with the key "\\x00" is not one)."""
    __slots__ = ()


class _EncodeState(threading.local):
    """What encoding one frame produced, per thread: tag objects made and parts collected."""
    tags = 0
    parts = None


_state = _EncodeState()


def _reset():
    state = _state
    state.tags = 0
    state.parts = None


def _tag(number, value):
    _state.tags += 1
    tagged = _TagDict()
    tagged[_TAG_KEY] = [number, value]
    return tagged


def _part(buffer):
    """A reference to a new part holding `buffer` (bytes or a 1-D byte memoryview)."""
    state = _state
    parts = state.parts
    if parts is None:
        parts = state.parts = []
    parts.append(buffer)
    state.tags += 1
    ref = _TagDict()
    ref[_TAG_KEY] = len(parts) - 1
    return ref


class _Unconvertible(TypeError):
    """A value the worker cannot send; carries the value for the error message."""

    def __init__(self, value, reason=None):
        TypeError.__init__(self, reason or "%s has no wire form" % (_type_name(_type(value)),))
        self.value = value
        self.reason = reason


def _type_name(t):
    module = getattr(t, "__module__", None)
    if module in (None, "builtins", "__qtpyvenv__"):
        return t.__qualname__
    return "%s.%s" % (module, t.__qualname__)


def _default(value):
    """The encoder's hook for what is not plain JSON: returns what to encode instead."""
    t = _type(value)
    try:
        convert = _converters[t]
    except KeyError:
        convert = _converters[t] = _resolve(t)
    if convert is None:
        raise _Unconvertible(value)
    return convert(value)


def _resolve(t):
    """The converter for type t, or None: along t's MRO, a registration, then a built-in one."""
    for klass in t.__mro__:
        convert = _registered.get(klass)
        if convert is not None:
            return convert
        convert = _BUILTIN.get(klass)
        if convert is not None:
            return convert
        module = getattr(klass, "__module__", None) or ""
        package = module.partition(".")[0]
        finder = _BY_PACKAGE.get(package)
        if finder is not None:
            convert = finder(klass, module)
            if convert is not None:
                return convert
    return None


def _fixed(depth):
    """Marks a converter whose output nests exactly `depth` levels (for the depth check)."""
    def mark(function):
        function.depth = depth
        return function
    return mark


# --- built-in conversions -------------------------------------------------------------------

@_fixed(1)
def _bytes(value):
    return _part(value)


@_fixed(2)
def _datetime(value):
    return _tag(TAG_DATETIME, value.isoformat())


@_fixed(2)
def _date(value):
    return _tag(TAG_DATE, value.isoformat())


@_fixed(2)
def _time(value):
    return _tag(TAG_TIME, value.isoformat())


@_fixed(3)
def _decimal(value):
    sign, digits, exponent = value.as_tuple()
    if not isinstance(exponent, int):  # NaN, sNaN, Infinity
        return float(value)
    mantissa = 0
    for digit in digits:
        mantissa = mantissa * 10 + digit
    return _tag(TAG_DECIMAL, [exponent, -mantissa if sign else mantissa])


def _as_list(value):
    return list(value)


def _tagged(value):
    return _tag(value.tag, value.value)


@_fixed(4)
def _image(value):
    return _tag(TAG_IMAGE, {"type": value.mime_type, "data": _byte_part(value.data)})


def _byte_part(data):
    if isinstance(data, memoryview):
        if not data.c_contiguous:
            return _part(data.tobytes())
        if data.format not in ("B", "b", "c") or data.ndim != 1:
            data = data.cast("B")
    return _part(data)


# Typed arrays: (signed/unsigned/float/bool kind, item size) -> RFC 8746 tag, little-endian.
_TYPED_TAG = {
    ("u", 1): 64, ("u", 2): 69, ("u", 4): 70, ("u", 8): 71,
    ("i", 1): 72, ("i", 2): 77, ("i", 4): 78, ("i", 8): 79,
    ("f", 2): 84, ("f", 4): 85, ("f", 8): 86, ("b", 1): TAG_BOOL_ARRAY,
}
_STRUCT_KIND = {"b": "i", "h": "i", "i": "i", "l": "i", "q": "i", "n": "i",
                "B": "u", "H": "u", "I": "u", "L": "u", "Q": "u", "N": "u",
                "e": "f", "f": "f", "d": "f", "?": "b"}


def _ndarray_tag(shape, typed_tag, data):
    """Tag 40 over a typed array; data is a 1-D byte buffer, little-endian, row-major."""
    return _tag(TAG_NDARRAY, [list(shape), _tag(typed_tag, _part(data))])


def _memoryview(value):
    fmt = value.format
    if value.ndim == 1 and fmt in ("B", "b", "c"):
        return _byte_part(value)
    order = ""
    if fmt[:1] in "@=<>!":
        order, fmt = fmt[0], fmt[1:]
    kind = "u" if fmt == "c" else _STRUCT_KIND.get(fmt)
    big = order in (">", "!") or (order in ("", "@", "=") and sys.byteorder == "big")
    if kind is None or (big and value.itemsize > 1):
        raise _Unconvertible(value, "a memoryview of format %r has no wire form; send "
                                    "bytes(view) or a little-endian view" % (value.format,))
    try:
        flat = value.cast("B") if value.c_contiguous and value.ndim else memoryview(value.tobytes())
    except (TypeError, ValueError):  # zeros in the shape, or a format cast() refuses
        flat = memoryview(value.tobytes())
    return _ndarray_tag(value.shape, _TYPED_TAG[(kind, value.itemsize)], flat)


def _array(value):
    code = value.typecode
    if code in ("u", "w"):
        return value.tounicode()
    kind = _STRUCT_KIND.get(code)
    if kind is None:
        raise _Unconvertible(value, "an array.array of type code %r has no wire form" % (code,))
    if sys.byteorder == "big" and value.itemsize > 1:
        value = array.array(code, value)
        value.byteswap()
    return _ndarray_tag([len(value)], _TYPED_TAG[(kind, value.itemsize)], memoryview(value).cast("B"))


# --- numpy, pandas, matplotlib, PIL: only for values of their types --------------------------

def _numpy_finder(klass, module):
    np = sys.modules.get("numpy")
    if np is None:
        return None
    if klass is np.ndarray:
        return _numpy_array
    if module.startswith("numpy.ma") and klass.__name__ == "MaskedArray":
        return _numpy_masked
    if klass is np.generic:
        return _numpy_scalar
    return None


def _numpy_array(value):
    np = sys.modules["numpy"]
    dtype = value.dtype
    kind = dtype.kind
    if kind in "biuf":
        if kind == "f" and dtype.itemsize not in (2, 4, 8):
            value = value.astype(np.float64)  # long double
            dtype = value.dtype
        typed = _TYPED_TAG.get((kind, dtype.itemsize))
        if typed is not None:
            if dtype.byteorder == ">" or (dtype.byteorder == "=" and sys.byteorder == "big"):
                value = value.astype(dtype.newbyteorder("<"))
            if not value.flags.c_contiguous:
                value = np.ascontiguousarray(value)
            flat = value.reshape(-1).view(np.uint8)
            return _ndarray_tag(value.shape, typed, memoryview(flat))
    if kind == "c":
        raise _Unconvertible(value, "a numpy array of complex numbers (%s) has no wire form; send "
                                    "its .real and .imag, or abs(), as two arrays" % (dtype,))
    if kind == "M":
        return _numpy_datetimes(value)
    if kind in "OUS":
        return value.tolist()
    if kind == "m":
        raise _Unconvertible(value, "a numpy array of timedelta64 has no wire form; send "
                                    "it as numbers, e.g. a / np.timedelta64(1, 's')")
    raise _Unconvertible(value, "a numpy array of dtype %s has no wire form" % (dtype,))


def _numpy_datetimes(value):
    """datetime64 values as datetime (date for day units and coarser); NaT as None."""
    np = sys.modules["numpy"]
    unit = np.datetime_data(value.dtype)[0]
    if unit in ("Y", "M", "W", "D"):
        return value.astype("datetime64[D]").tolist()
    return value.astype("datetime64[us]").tolist()


def _numpy_scalar(value):
    np = sys.modules["numpy"]
    kind = value.dtype.kind
    if kind == "c":
        raise _Unconvertible(value, "a complex number (%s) has no wire form; send .real and .imag"
                             % (_type_name(_type(value)),))
    if kind == "M":
        return _numpy_datetimes(np.asarray(value))
    if kind == "S":
        return _part(bytes(value))
    if kind in "biuf":
        if kind == "f" and value.dtype.itemsize > 8:
            return float(value)
        return value.item()
    raise _Unconvertible(value, "a numpy %s has no wire form" % (value.dtype,))


def _numpy_masked(value):
    return value.tolist()  # masked elements become None


def _pandas_finder(klass, module):
    pd = sys.modules.get("pandas")
    if pd is None:
        return None
    name = klass.__name__
    if klass is pd.DataFrame:
        return _pandas_frame
    if klass is pd.Series:
        return _pandas_series
    if klass is pd.Index:
        return _pandas_index
    if klass is pd.Timestamp:
        return _pandas_timestamp
    if name in ("NaTType", "NAType"):
        return _none
    if name == "ExtensionArray":
        return _pandas_index
    return None


def _none(value):
    return None


def _pandas_timestamp(value):
    return value.to_pydatetime(warn=False)


def _pandas_column(values):
    """A Series or Index as a column: a 1-D typed array, or a list with None where missing."""
    np = sys.modules["numpy"]
    dtype = values.dtype
    if isinstance(dtype, np.dtype) and dtype.kind in "biuf" and (dtype.kind, dtype.itemsize) in _TYPED_TAG:
        return _numpy_array(values.to_numpy())
    items = values.tolist()
    try:
        missing = values.isna()
    except (NotImplementedError, TypeError, ValueError):
        return items
    if missing.any():
        items = [None if gone else item for item, gone in zip(items, missing.tolist())]
    return items


def _pandas_table(names, columns, index):
    pd = sys.modules["pandas"]
    table = {"names": names, "columns": columns}
    default = (isinstance(index, pd.RangeIndex) and index.name is None and index.start == 0
               and index.step == 1)
    if not default:
        table["index"] = _pandas_column(index)
        if index.name is not None:
            table["indexName"] = str(index.name)
    return _tag(TAG_TABLE, table)


def _pandas_frame(frame):
    names = [str(name) for name in frame.columns]
    columns = [_pandas_column(frame.iloc[:, i]) for i in range(len(names))]
    return _pandas_table(names, columns, frame.index)


def _pandas_series(series):
    name = "0" if series.name is None else str(series.name)
    return _pandas_table([name], [_pandas_column(series)], series.index)


def _pandas_index(index):
    items = index.tolist()
    try:
        missing = index.isna()
    except (NotImplementedError, TypeError, ValueError, AttributeError):
        return items
    if missing.any():
        items = [None if gone else item for item, gone in zip(items, missing.tolist())]
    return items


def _matplotlib_finder(klass, module):
    if module == "matplotlib.figure" and klass.__name__ == "Figure" and hasattr(klass, "savefig"):
        return _figure
    return None


@_fixed(4)
def _figure(figure):
    import io
    out = io.BytesIO()
    figure.savefig(out, format="png")
    return _image(Image(out.getvalue(), "image/png"))


def _pil_finder(klass, module):
    if module == "PIL.Image" and klass.__name__ == "Image" and hasattr(klass, "save"):
        return _pil_image
    return None


@_fixed(4)
def _pil_image(image):
    import io
    out = io.BytesIO()
    try:
        image.save(out, format="PNG")
    except (OSError, ValueError, KeyError):
        out = io.BytesIO()
        image.convert("RGBA").save(out, format="PNG")
    return _image(Image(out.getvalue(), "image/png"))


_BUILTIN = {
    bytes: _bytes,
    bytearray: _bytes,
    memoryview: _memoryview,
    array.array: _array,
    datetime.datetime: _datetime,
    datetime.date: _date,
    datetime.time: _time,
    decimal.Decimal: _decimal,
    set: _as_list,
    frozenset: _as_list,
    Image: _image,
    Tagged: _tagged,
}
_BY_PACKAGE = {
    "numpy": _numpy_finder,
    "pandas": _pandas_finder,
    "matplotlib": _matplotlib_finder,
    "PIL": _pil_finder,
}


# --- checks and diagnostics on results --------------------------------------------------------

def _may_be_too_deep(text):
    """False when the JSON text cannot hold a value nested deeper than _MAX_DEPTH: it has fewer
    than _MAX_DEPTH + 1 opening brackets. Cheap: str.find is a memchr."""
    need = _MAX_DEPTH + 2  # the frame's own object is one more
    if len(text) < 2 * need:
        return False
    if len(text) < 1 << 17:
        return True  # _text_too_deep() is cheaper than counting on
    find = text.find
    for bracket in "[{":
        at = find(bracket)
        while at >= 0:
            need -= 1
            if not need:
                return True
            at = find(bracket, at + 1)
    return False


_KEEP_STRUCTURE = bytes(b for b in range(256) if b not in b'[]{}"')
_CURLY_TO_SQUARE = bytes.maketrans(b"{}", b"[]")


def _text_too_deep(body):
    """Whether the value a frame's JSON (ASCII bytes, the frame's object being the outermost
    level) carries nests deeper than _MAX_DEPTH; None when the text cannot tell (a string holds
    a bracket or an escaped quote): then ask _depth_exceeded(). C-speed passes only: keep
    brackets and quotes; when every quote pairs with the next one (no string holds a bracket),
    drop the quotes and peel the innermost level per pass."""
    if b'\\"' in body:
        return None
    structure = body.translate(None, _KEEP_STRUCTURE)
    quotes = structure.count(b'"')
    if quotes:
        if 2 * structure.count(b'""') != quotes:
            return None
        structure = structure.translate(_CURLY_TO_SQUARE, b'"')
    else:
        structure = structure.translate(_CURLY_TO_SQUARE)
    for _ in range(_MAX_DEPTH + 1):  # the frame's object, and the value's levels
        structure = structure.replace(b"[]", b"")
        if not structure:
            return False
    return True


def _depth_exceeded(value):
    """True when `value` nests deeper than _MAX_DEPTH as it is encoded. Breadth-first, one level
    at a time, iterating over each level's items in C where they need no conversion."""
    level = _containers([value], 0)
    depth = 0
    while level is not True and (level[0] or level[1]):
        depth += 1
        if depth > _MAX_DEPTH:
            return True
        sequences, mappings = level
        children = list(itertools.chain(itertools.chain.from_iterable(sequences),
                                        itertools.chain.from_iterable(map(dict.values, mappings))))
        level = _containers(children, depth)
    return level is True


_IS_SEQUENCE = (1).__eq__
_IS_MAPPING = (2).__eq__


def _containers(items, depth):
    """(lists and tuples, dicts) among `items`, children of containers at level `depth`, with
    converted values in their converted form; True when one of those is too deep already."""
    kinds = list(map(_KINDS.__getitem__, map(_type, items)))
    if 3 in kinds:
        resolved = []
        for item, kind in zip(items, kinds):
            while kind == 3:
                convert = _converters.get(_type(item)) or _resolve(_type(item))
                if convert is None:
                    kind = 0
                    break
                fixed = getattr(convert, "depth", None)
                if fixed is not None:
                    if depth + fixed > _MAX_DEPTH:
                        return True
                    kind = 0
                    break
                item = _dry_convert(convert, item)
                kind = _KINDS[_type(item)]
            if kind:
                resolved.append(item)
        items = resolved
        kinds = list(map(_KINDS.__getitem__, map(_type, items)))
    return (list(itertools.compress(items, map(_IS_SEQUENCE, kinds))),
            list(itertools.compress(items, map(_IS_MAPPING, kinds))))


def _dry_convert(convert, value):
    """convert(value) without leaving parts or tag counts behind in the encoding state."""
    state = _state
    tags, parts = state.tags, state.parts
    had = len(parts) if parts is not None else 0
    try:
        return convert(value)
    finally:
        state.tags = tags
        if parts is None:
            state.parts = None
        else:
            state.parts = parts
            del parts[had:]


class _KindMap(dict):
    """type -> 0 plain scalar, 1 sequence, 2 mapping, 3 converted by _default; as the C
    encoder sees it (subclasses included)."""

    def __missing__(self, t):
        if issubclass(t, dict):
            kind = 2
        elif issubclass(t, (list, tuple)):
            kind = 1
        elif issubclass(t, (str, int, float)) or t is _type(None):
            kind = 0
        else:
            kind = 3
        self[t] = kind
        return kind


_KINDS = _KindMap({str: 0, int: 0, float: 0, bool: 0, _type(None): 0, list: 1, tuple: 1,
                   dict: 2, _TagDict: 2})


def _path_text(node):
    """'result["rows"][3]["when"]' from a (parent, segment) chain; long ones shortened."""
    segments = []
    while node is not None:
        node, segment = node
        segments.append(segment)
    segments.reverse()
    if len(segments) > 24:
        segments = segments[:12] + ["...(%d more levels)..." % (len(segments) - 21,)] + segments[-9:]
    return "".join(segments)


def _key_segment(key):
    if isinstance(key, str):
        import json
        return "[%s]" % (json.dumps(key, ensure_ascii=False),)
    return "[%r]" % (key,)


def _find_problem(root, root_name, reserved_key):
    """Walks `root` as the encoder does and returns (path, message, exception or None) for the
    first thing it cannot send, or None. With reserved_key, a user dict with the key "\x00"
    is one. Only for failures: it converts values again."""
    stack = [(root, (None, root_name), 0, None)]
    max_digits = getattr(sys, "get_int_max_str_digits", lambda: 0)()
    while stack:
        value, path, depth, ancestors = stack.pop()
        t = _type(value)
        kind = _KINDS[t]
        if kind == 0:
            if max_digits and isinstance(value, int) and value.bit_length() > 3 * max_digits:
                try:
                    int.__repr__(value)
                except ValueError:
                    return (path, "is an int with more than %d digits (sys.get_int_max_str_digits()); "
                                  "send it as a str, or raise the limit with "
                                  "sys.set_int_max_str_digits()" % (max_digits,), None)
            continue
        if kind == 3:
            convert = _converters.get(t) or _resolve(t)
            if convert is None:
                return (path, "is a %s, which has no wire form; return plain JSON values, or "
                              "register a converter with qtpyvenv.register(%s, fn)"
                        % (_type_name(t), t.__name__), None)
            try:
                converted = _dry_convert(convert, value)
            except _Unconvertible as exc:
                if exc.reason:
                    return (path, "is %s" % (exc.reason,), None)
                return (path, "is a %s, which has no wire form; register a converter with "
                              "qtpyvenv.register(%s, fn)" % (_type_name(t), t.__name__), None)
            except Exception as exc:
                return (path, "is a %s, and converting it raised %s: %s"
                        % (_type_name(t), _type(exc).__name__, exc), exc)
            stack.append((converted, path, depth, ancestors))
            continue
        ident = id(value)
        chain = ancestors
        while chain is not None:
            if chain[0] == ident:
                return (path, "contains itself (a circular reference)", None)
            chain = chain[1]
        if depth >= _MAX_DEPTH:
            return (path, "is nested deeper than %d levels" % (_MAX_DEPTH,), None)
        inner = (ident, ancestors)
        children = []
        if t is _TagDict:  # made by a conversion: no path segments of its own
            content = value[_TAG_KEY]
            if _type(content) is list:
                number, tagged = content
                if number == TAG_TABLE and _type(tagged) is dict:
                    for name, column in zip(tagged["names"], tagged["columns"]):
                        children.append((column, depth + 4, (path, _key_segment(name))))
                    if "index" in tagged:
                        children.append((tagged["index"], depth + 3, (path, ".index")))
                else:
                    children.append((tagged, depth + 2, path))
        elif kind == 2:
            if reserved_key and _TAG_KEY in value:
                return (path, "is a dict with the key \"\\x00\", which the wire protocol reserves "
                              "for its tag objects when a result also carries binary or tagged "
                              "data (bytes, arrays, dates, ...); rename that key", None)
            for key, item in value.items():
                if not isinstance(key, (str, int, float)) and key is not None:
                    return (path, "has a key of type %s; dict keys must be str, int, float, "
                                  "bool or None" % (_type_name(_type(key)),), None)
                children.append((item, depth + 1, (path, _key_segment(key))))
        else:
            for index, item in enumerate(value):
                children.append((item, depth + 1, (path, "[%d]" % (index,))))
        for item, item_depth, item_path in reversed(children):
            stack.append((item, item_path, item_depth, inner))
    return None


# --- arguments: tag objects to Python values -------------------------------------------------

_numpy_module = None
_pandas_module = None


def _numpy():
    """numpy if it is importable, else False; tried once."""
    global _numpy_module
    if _numpy_module is None:
        try:
            import numpy
            _numpy_module = numpy
        except Exception:
            _numpy_module = False
    return _numpy_module


def _pandas():
    global _pandas_module
    if _pandas_module is None:
        try:
            import pandas
            _pandas_module = pandas
        except Exception:
            _pandas_module = False
    return _pandas_module


# Typed-array tag -> (numpy dtype, struct format or None, item size, big-endian).
_TYPED = {}
for _number, (_np_type, _fmt, _size) in {
        64: ("u1", "B", 1), 68: ("u1", "B", 1), 72: ("i1", "b", 1),
        65: ("u2", "H", 2), 66: ("u4", "I", 4), 67: ("u8", "Q", 8),
        69: ("u2", "H", 2), 70: ("u4", "I", 4), 71: ("u8", "Q", 8),
        73: ("i2", "h", 2), 74: ("i4", "i", 4), 75: ("i8", "q", 8),
        77: ("i2", "h", 2), 78: ("i4", "i", 4), 79: ("i8", "q", 8),
        80: ("f2", "e", 2), 81: ("f4", "f", 4), 82: ("f8", "d", 8),
        84: ("f2", "e", 2), 85: ("f4", "f", 4), 86: ("f8", "d", 8)}.items():
    _big = 65 <= _number <= 67 or 73 <= _number <= 75 or 80 <= _number <= 82
    _TYPED[_number] = (("<", ">")[_big] + _np_type if _size > 1 else _np_type, _fmt, _size, _big)
_TYPED[TAG_BOOL_ARRAY] = ("?", "?", 1, False)


class _ArgumentDecoder:
    """Tag objects of a TAGGED frame to Python values: the scanner's object hook. One frame at
    a time (only the dispatcher's leader parses)."""

    def __init__(self):
        import json
        self.parts = ()
        self.array_parts = ()
        self.scan = json.decoder.JSONDecoder(object_hook=self.hook).scan_once

    def decode(self, text, parts):
        """(value, end) of the JSON text, tag objects converted; parts are memoryviews."""
        self.parts = parts
        if parts:
            # Parts that typed arrays wrap stay views (zero-copy); the others become bytes.
            self.array_parts = {int(index) for number, index in _ARRAY_REF.findall(text)
                                if int(number) in _TYPED}
        try:
            return self.scan(text, 0)
        finally:
            self.parts = ()
            self.array_parts = ()

    def hook(self, obj):
        if len(obj) == 1 and _TAG_KEY in obj:
            content = obj[_TAG_KEY]
            if _type(content) is int:
                return self.part(content)
            if _type(content) is list and len(content) == 2 and _type(content[0]) is int \
                    and content[0] >= 0:
                return self.untag(content[0], content[1])
            raise ValueError("a tag object holds %s, not a part number or [tag, value]"
                             % (_type(content).__name__,))
        return obj

    def part(self, index):
        parts = self.parts
        if not 0 <= index < len(parts):
            raise ValueError("a tag object refers to part %d of %d" % (index, len(parts)))
        if index in self.array_parts:
            return parts[index]  # a memoryview for a typed array: zero-copy
        return bytes(parts[index])

    def untag(self, number, value):
        if number in _TYPED:
            return self.typed_array(number, value)
        if number == TAG_NDARRAY:
            if _type(value) is not list or len(value) != 2 or _type(value[0]) is not list:
                raise ValueError("tag 40 holds [shape, typed array]")
            return self.reshape(value[1], value[0])
        if number == TAG_DATETIME:
            return _parse_datetime(_expect(value, str, number))
        if number == TAG_DATE:
            return datetime.date.fromisoformat(_expect(value, str, number))
        if number == TAG_TIME:
            return _parse_time(_expect(value, str, number))
        if number == TAG_DECIMAL:
            if _type(value) is not list or len(value) != 2 or any(_type(v) is not int for v in value):
                raise ValueError("tag 4 holds [exponent, mantissa]")
            exponent, mantissa = value
            digits = tuple(int(d) for d in str(abs(mantissa)))
            return decimal.Decimal((int(mantissa < 0), digits, exponent))
        if number == TAG_TABLE:
            return _make_table(_expect(value, dict, number))
        if number == TAG_IMAGE:
            content = _expect(value, dict, number)
            data, mime = content.get("data"), content.get("type", "image/png")
            if not isinstance(data, (bytes, memoryview)) or not isinstance(mime, str):
                raise ValueError("an image tag holds {\"type\": str, \"data\": bytes}")
            return Image(bytes(data), mime)
        if number in (TAG_BIGNUM_POS, TAG_BIGNUM_NEG) and isinstance(value, (bytes, memoryview)):
            magnitude = int.from_bytes(bytes(value), "big")
            return magnitude if number == TAG_BIGNUM_POS else -1 - magnitude
        return Tagged(number, value)

    def typed_array(self, number, data):
        """A 1-D array: numpy's over the frame's buffer (zero-copy, writable) when numpy is
        importable, else a memoryview of the element format (a list for float16, which
        memoryview cannot cast to, and for byte orders not this machine's)."""
        if not isinstance(data, (bytes, memoryview)):
            raise ValueError("typed array tag %d holds bytes, not %s" % (number, _type(data).__name__))
        np_type, fmt, size, big = _TYPED[number]
        if isinstance(data, memoryview) and (data.format != "B" or data.ndim != 1):
            data = data.cast("B")
        if len(data) % size:
            raise ValueError("typed array tag %d holds %d bytes, not a multiple of %d"
                             % (number, len(data), size))
        np = _numpy()
        if np:
            result = np.frombuffer(data, dtype=np_type)
            if size > 1 and big != (sys.byteorder == "big"):
                result = result.astype(result.dtype.newbyteorder("="))
            return result
        if (size > 1 and big != (sys.byteorder == "big")) or fmt == "e":
            return list(struct.unpack("%s%d%s" % (">" if big else "<", len(data) // size, fmt), data))
        if not isinstance(data, memoryview):
            data = memoryview(data)
        return data.cast(fmt)

    def reshape(self, flat, shape):
        if any(_type(d) is not int or d < 0 for d in shape):
            raise ValueError("an array shape holds non-negative integers, not %r" % (shape,))
        count = 1
        for dim in shape:
            count *= dim
        if isinstance(flat, memoryview):
            have = len(flat)
        elif _type(flat) is list:
            have = len(flat)
        else:
            np = _numpy()
            if not (np and isinstance(flat, np.ndarray) and flat.ndim == 1):
                raise ValueError("tag 40 holds [shape, typed array], not [shape, %s]"
                                 % (_type(flat).__name__,))
            have = flat.size
        if have != count:
            raise ValueError("an array of shape %r holds %d elements, not %d" % (shape, have, count))
        if isinstance(flat, memoryview):
            if len(shape) == 1:
                return flat
            if count == 0:
                return _empty_nest(shape)
            return flat.cast("B").cast(flat.format, shape)
        if _type(flat) is list:
            return _empty_nest(shape) if count == 0 else _nest(flat, shape)
        return flat.reshape(shape)


# A typed-array tag on a part reference: [number, {"\u0000": index}] (no string can hold it:
# quotes in strings are escaped).
_ARRAY_REF = re.compile(r'\[\s*(\d{1,20})\s*,\s*\{\s*"\\u0000"\s*:\s*(\d{1,10})\s*\}')


def _empty_nest(shape):
    """The nested empty lists of a shape with a zero in it. An empty array costs its sender no
    bytes whatever its shape: beyond _MAX_EMPTY_LISTS lists (the host's bound on the same) it
    is refused rather than built."""
    lists = 1
    for dim in shape:
        if dim == 0:
            break
        lists *= dim
        if lists > _MAX_EMPTY_LISTS:
            raise ValueError("an empty array of shape %r would be more than %d empty lists (numpy "
                             "is not importable)" % (shape, _MAX_EMPTY_LISTS))
    return _nest([], shape)


def _nest(values, shape):
    """A flat list as nested lists of that shape."""
    if len(shape) <= 1:
        return values if shape else values[0]
    step = len(values) // shape[0] if shape[0] else 0
    return [_nest(values[i * step:(i + 1) * step], shape[1:]) for i in range(shape[0])]


def _expect(value, t, number):
    if not isinstance(value, t):
        raise ValueError("tag %d holds %s, not %s" % (number, _type(value).__name__, t.__name__))
    return value


def _iso_fraction(text):
    """Python < 3.11's fromisoformat: 'Z' as +00:00, fractions of 3 or 6 digits only."""
    import re
    text = text.replace("Z", "+00:00").replace("z", "+00:00")
    match = re.search(r"\.(\d+)", text)
    if match:
        digits = (match.group(1) + "000000")[:6]
        text = text[:match.start(1)] + digits + text[match.end(1):]
    return text


def _parse_datetime(text):
    try:
        return datetime.datetime.fromisoformat(text)
    except ValueError:
        return datetime.datetime.fromisoformat(_iso_fraction(text))


def _parse_time(text):
    try:
        return datetime.time.fromisoformat(text)
    except ValueError:
        return datetime.time.fromisoformat(_iso_fraction(text))


def _make_table(content):
    names, columns = content.get("names"), content.get("columns")
    if not isinstance(names, list) or not isinstance(columns, list) or len(names) != len(columns) \
            or not all(isinstance(n, str) for n in names):
        raise ValueError("a table tag holds {\"names\": [str...], \"columns\": [column...]}")
    index = content.get("index")
    lengths = {len(c) for c in columns}
    if index is not None:
        lengths.add(len(index))
    if len(lengths) > 1:
        raise ValueError("the columns of a table differ in length: %s" % (sorted(lengths),))
    pd = _pandas()
    if not pd:
        table = {}
        for name, column in zip(names, columns):
            table[name] = column
        return table
    frame = pd.DataFrame({i: column for i, column in enumerate(columns)})
    frame.columns = names
    if index is not None:
        frame.index = pd.Index(index, name=content.get("indexName"))
    return frame
