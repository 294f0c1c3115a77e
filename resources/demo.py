"""QtPyVenv demo: a few functions to try from the Functions tab."""
import statistics
import sys
import time


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


def fail(reason=None):
    """Raises a ValueError, to show how Python errors look.

    Example arguments: "something went wrong"
    """
    raise ValueError(reason or "fail() always fails")
