# SPDX-License-Identifier: MIT
"""The README's data example: numpy, pandas and matplotlib values to and from C++."""
import numpy as np
import pandas as pd


def column_means(matrix):                     # from C++: a numpy array viewing the bytes sent
    return np.asarray(matrix).mean(axis=0)    # (from JSON a list) goes back as raw float64 bytes


def summary(path, top=5):
    frame = pd.read_csv(path)
    return frame.describe().head(top)         # a Table: 'count', 'mean', ... in pandas' order


def plot(matrix):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    figure, axes = plt.subplots()
    axes.plot(np.asarray(matrix)[:, 0])
    return figure
