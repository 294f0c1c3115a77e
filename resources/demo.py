"""QtPyVenv demo: a few functions to try from the Functions tab."""
import array
import math
import statistics
import struct
import sys
import time
import zlib

try:
    from qtpyvenv import Image  # the worker's wrapper: shown in the Image view
except ImportError:  # an older worker: PNG bytes are recognised too
    Image = bytes

try:
    from qtpyvenv import progress  # the call's progress bar in the Calls tab and the console
except ImportError:  # an older worker, or plain Python: no bar
    def progress(done, total=None, message=""):
        pass


def describe(numbers):
    """Summary statistics of a list of numbers.

    Example arguments: [3, 1, 4, 1, 5, 9, 2, 6]
    """
    if not isinstance(numbers, list) or not numbers:
        raise ValueError("describe() takes a non-empty JSON array of numbers, e.g. [1, 2, 3]")
    values = [float(x) for x in numbers]
    return {
        "count": len(values),
        "min": min(values),
        "max": max(values),
        "mean": statistics.fmean(values),
        "median": statistics.median(values),
        "stdev": statistics.stdev(values) if len(values) > 1 else 0.0,
    }


def slow(n=3):
    """Prints a line per second for n seconds, then returns n.

    Example arguments: 3
    """
    n = int(n if n is not None else 3)
    for i in range(n):
        print("slow: tick %d of %d" % (i + 1, n), flush=True)
        time.sleep(1)
    print("slow: done", file=sys.stderr, flush=True)
    return {"slept": n}


def fit(epochs=40):
    """Fits a line to noisy points by gradient descent, one epoch per 0.1 s, reporting progress
    with the loss. Cancel it from the Calls tab (Delete) or the console's Cancel button.

    Example arguments: 40
    """
    epochs = int(epochs)
    if not 1 <= epochs <= 10000:
        raise ValueError("epochs must be between 1 and 10000")
    xs = [i / 50.0 for i in range(50)]
    ys = [3.0 * x + 0.5 + 0.2 * math.sin(17.0 * x) for x in xs]
    slope = intercept = 0.0
    epoch = 0
    try:
        for epoch in range(1, epochs + 1):
            errors = [slope * x + intercept - y for x, y in zip(xs, ys)]
            loss = statistics.fmean(e * e for e in errors)
            slope -= 0.5 * statistics.fmean(e * x for e, x in zip(errors, xs))
            intercept -= 0.5 * statistics.fmean(errors)
            progress(epoch, epochs, "epoch %d: loss %.4f" % (epoch, loss))  # raises once cancelled
            time.sleep(0.1)
    finally:  # runs on cancel too
        print("fit: stopped after epoch %d of %d" % (epoch, epochs), flush=True)
    return {"epochs": epochs, "slope": slope, "intercept": intercept, "loss": loss}


def estimate_pi(batches=30):
    """Estimates pi by throwing random points at a square, a generator: each batch's running
    estimate arrives as a partial result (a growing table), the last one is the result.

    Example arguments: 30
    """
    batches = int(batches)
    if not 1 <= batches <= 10000:
        raise ValueError("batches must be between 1 and 10000")
    seed, inside, thrown = 2024, 0, 0
    for batch in range(1, batches + 1):
        for _ in range(5000):  # the LCG of table(), two coordinates per point
            seed = (1103515245 * seed + 12345) & 0x7FFFFFFF
            x = seed / 0x7FFFFFFF
            seed = (1103515245 * seed + 12345) & 0x7FFFFFFF
            y = seed / 0x7FFFFFFF
            inside += x * x + y * y <= 1.0
        thrown += 5000
        estimate = 4.0 * inside / thrown
        progress(batch, batches, "pi ~ %.5f" % estimate)
        yield {"batch": batch, "points": thrown, "estimate": estimate, "error": estimate - math.pi}
        time.sleep(0.1)


def fail(reason=None):
    """Raises a ValueError, to show how Python errors look.

    Example arguments: "something went wrong"
    """
    raise ValueError(reason or "fail() always fails")


def table(rows=1000):
    """A table of `rows` rows: a dict of equal-length columns, shown in the Table view.

    Sort by a header click, copy cells with Ctrl+C, export CSV. Try 1000000 rows.
    Example arguments: 1000
    """
    rows = int(rows)
    if rows < 0:
        raise ValueError("rows must be >= 0")
    groups = ("alpha", "beta", "gamma", "delta")
    ids = array.array("q", range(rows))
    # A cheap deterministic pseudo-random sequence (an LCG): no third-party package needed.
    seed, xs, ys = 12345, array.array("d", bytes(8 * rows)), array.array("d", bytes(8 * rows))
    for i in range(rows):
        seed = (1103515245 * seed + 12345) & 0x7FFFFFFF
        xs[i] = seed / 0x7FFFFFFF
        ys[i] = math.sin(i / 50.0) * 10.0 + xs[i]
    return {
        "id": ids,
        "x": xs,
        "y": ys,
        "group": [groups[i % 4] for i in range(rows)],
    }


def matrix(n=4):
    """An n x n float64 matrix (a typed 2-D array), shown in the Array view: m[i][j] = 1 / (i + j + 1).

    Example arguments: 4
    """
    n = int(n)
    if n < 1:
        raise ValueError("n must be >= 1")
    values = array.array("d", (1.0 / (i + j + 1) for i in range(n) for j in range(n)))
    return memoryview(values).cast("B").cast("d", [n, n])


def _png(width, height, rows):
    """A PNG file of 8-bit RGB `rows` (each a bytes of width * 3), made with zlib and struct."""
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    raw = b"".join(b"\x00" + row for row in rows)  # filter type 0 per scanline
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw, 6))
            + chunk(b"IEND", b""))


def picture(size=256):
    """A Mandelbrot set drawn into a PNG without third-party packages, shown in the Image view.

    Example arguments: 256
    """
    size = int(size)
    if not 8 <= size <= 2048:
        raise ValueError("size must be between 8 and 2048")
    limit = 48
    palette = []
    for k in range(limit + 1):
        t = k / limit
        palette.append(bytes((int(9 * (1 - t) * t ** 3 * 255), int(15 * (1 - t) ** 2 * t ** 2 * 255),
                              int(8.5 * (1 - t) ** 3 * t * 255))))
    rows = []
    for py in range(size):
        y0 = (py / size) * 2.4 - 1.2
        row = bytearray()
        for px in range(size):
            x0 = (px / size) * 3.0 - 2.1
            x = y = 0.0
            k = 0
            while k < limit and x * x + y * y <= 4.0:
                x, y = x * x - y * y + x0, 2 * x * y + y0
                k += 1
            row += palette[k]
        rows.append(bytes(row))
    return Image(_png(size, size, rows))
