# SPDX-License-Identifier: MIT
"""The Python side of the embed example: plain functions taking and returning JSON values."""
import platform
import statistics


def stats(args):
    """Count, mean and population standard deviation of args["values"]."""
    values = args["values"]
    return {"n": len(values), "mean": statistics.fmean(values), "stdev": statistics.pstdev(values)}


def greet(args):
    """A greeting, and the Python version that made it."""
    return {"greeting": "Hello, %s!" % args["name"], "python": platform.python_version()}


def divide(args):
    """args["a"] / args["b"]: raises ZeroDivisionError for b == 0."""
    return args["a"] / args["b"]
