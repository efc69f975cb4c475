"""Static SVG charts (matplotlib) that read without hovering and print cleanly."""

from __future__ import annotations

import io
import re
from collections.abc import Sequence

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt

plt.rcParams.update({
    "svg.fonttype": "none",  # keep text as text: small files, selectable, uses page fonts
    "font.family": "sans-serif",
    "font.size": 9,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "svg.hashsalt": "rai-audit",  # deterministic element ids
})


def figure_to_svg(fig) -> str:
    """Render a matplotlib figure to an inline ``<svg>`` string and close it."""
    buffer = io.StringIO()
    # The tight box measured once here, instead of bbox_inches="tight", which lays the figure
    # out twice before drawing it: about a quarter of the report's render time.
    tight = fig.get_tightbbox(fig.canvas.get_renderer()).padded(0.1)
    fig.savefig(buffer, format="svg", bbox_inches=tight, metadata={"Date": None})
    plt.close(fig)
    svg = buffer.getvalue()
    svg = svg[svg.index("<svg"):]
    # matplotlib's RDF metadata block carries URLs (creator, dc types) that are not needed
    return re.sub(r"<metadata>.*?</metadata>\s*", "", svg, flags=re.DOTALL)


def line_chart(x: Sequence[float], series: dict[str, Sequence[float]], *, xlabel: str,
               ylabel: str, title: str = "", width: float = 5.2, height: float = 2.6) -> str:
    """One line per series over a shared x axis, with markers and a legend."""
    fig, ax = plt.subplots(figsize=(width, height))
    for label, values in series.items():
        ax.plot(list(x), list(values), marker="o", markersize=3, label=label)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if title:
        ax.set_title(title, loc="left", fontsize=10)
    ax.grid(alpha=0.3)
    if len(series) > 1:
        ax.legend(frameon=False, fontsize=8)
    return figure_to_svg(fig)


def confusion_chart(tn: int, fp: int, fn: int, tp: int, *, positive: str, negative: str) -> str:
    """A 2x2 confusion matrix with counts and row shares written in each cell."""
    import numpy as np

    counts = np.array([[tn, fp], [fn, tp]])
    shares = counts / np.maximum(counts.sum(axis=1, keepdims=True), 1)
    fig, ax = plt.subplots(figsize=(3.0, 2.6))
    ax.imshow(shares, cmap="Blues", vmin=0, vmax=1)
    for i in range(2):
        for j in range(2):
            ax.text(j, i, f"{counts[i, j]:,}\n{shares[i, j]:.1%}", ha="center", va="center",
                    color="white" if shares[i, j] > 0.6 else "black", fontsize=9)
    ticks = [f"{negative}", f"{positive}"]
    ax.set_xticks([0, 1], [f"pred. {t}" for t in ticks])
    ax.set_yticks([0, 1], [f"true {t}" for t in ticks])
    ax.spines[:].set_visible(False)
    return figure_to_svg(fig)


# --- fairness charts -------------------------------------------------------------------------

def _plain(label: object) -> str:
    """A user label as literal text for matplotlib (no mathtext: ``$`` is escaped)."""
    return str(label).replace("$", r"\$")


def interval_chart(labels: Sequence[str], values: Sequence[float], lows: Sequence[float],
                   highs: Sequence[float], *, xlabel: str, title: str = "",
                   flagged: Sequence[bool] = (), reference: float | None = None) -> str:
    """One row per group: a dot at the value and a bar over its interval.

    Flagged rows (small groups) are drawn hollow and marked with ``*``; NaN values are written
    as "undefined".
    """
    import numpy as np

    n = len(labels)
    flagged = list(flagged) or [False] * n
    fig, ax = plt.subplots(figsize=(5.2, 0.9 + 0.28 * n))
    ys = np.arange(n)[::-1]
    for y, v, lo, hi, small in zip(ys, values, lows, highs, flagged):
        if v != v:
            ax.text(0.01, y, "undefined", va="center", fontsize=8, color="#5b6475",
                    transform=ax.get_yaxis_transform())
            continue
        if lo == lo and hi == hi:
            ax.plot([lo, hi], [y, y], color="#2f5fb3", linewidth=2, alpha=0.5)
        ax.plot([v], [y], marker="o", markersize=5, color="#2f5fb3",
                markerfacecolor="white" if small else "#2f5fb3")
    if reference is not None:
        ax.axvline(reference, color="#5b6475", linewidth=0.8, linestyle="--")
    ax.set_yticks(ys, [_plain(f"{lab} *" if small else lab) for lab, small in zip(labels, flagged)])
    ax.set_xlabel(xlabel)
    ax.set_ylim(-0.7, n - 0.3)
    ax.grid(axis="x", alpha=0.3)
    if title:
        ax.set_title(_plain(title), loc="left", fontsize=10)
    return figure_to_svg(fig)


def heatmap_chart(matrix, row_labels: Sequence[str], col_labels: Sequence[str], *,
                  annotations: Sequence[Sequence[str]], title: str = "",
                  colorbar_label: str = "", vmin: float = 0.0, vmax: float = 1.0) -> str:
    """A matrix of values with a text annotation per cell (NaN cells stay blank grey)."""
    import numpy as np

    data = np.ma.masked_invalid(np.asarray(matrix, dtype=float))
    rows, cols = data.shape
    fig, ax = plt.subplots(figsize=(1.4 + 1.05 * cols, 0.9 + 0.5 * rows))
    cmap = plt.get_cmap("viridis").with_extremes(bad="#eeeeee")
    image = ax.imshow(data, cmap=cmap, vmin=vmin, vmax=vmax, aspect="auto")
    for i in range(rows):
        for j in range(cols):
            value = data[i, j]
            dark = value is not np.ma.masked and value < (vmin + vmax) / 2
            ax.text(j, i, _plain(annotations[i][j]), ha="center", va="center", fontsize=7,
                    color="white" if dark else "black")
    ax.set_xticks(range(cols), [_plain(c) for c in col_labels], rotation=30, ha="right")
    ax.set_yticks(range(rows), [_plain(r) for r in row_labels])
    ax.spines[:].set_visible(False)
    bar = fig.colorbar(image, ax=ax, fraction=0.05)
    if colorbar_label:
        bar.set_label(_plain(colorbar_label))
    if title:
        ax.set_title(_plain(title), loc="left", fontsize=10)
    return figure_to_svg(fig)


def reliability_chart(curves: dict[str, tuple[Sequence[float], Sequence[float]]], *,
                      title: str = "") -> str:
    """Reliability curves (mean predicted probability vs observed positive rate) per group."""
    fig, ax = plt.subplots(figsize=(4.0, 3.4))
    ax.plot([0, 1], [0, 1], color="#5b6475", linewidth=0.8, linestyle="--", label="perfect")
    for label, (mean_predicted, fraction_positive) in curves.items():
        ax.plot(list(mean_predicted), list(fraction_positive), marker="o", markersize=3,
                label=_plain(label))
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    ax.set_xlabel("mean predicted probability")
    ax.set_ylabel("observed positive rate")
    ax.grid(alpha=0.3)
    ax.legend(frameon=False, fontsize=7)
    if title:
        ax.set_title(_plain(title), loc="left", fontsize=10)
    return figure_to_svg(fig)


def tradeoff_chart(points: Sequence[tuple[str, float, float, float, float]], *, xlabel: str,
                   ylabel: str, title: str = "") -> str:
    """Before -> after arrows in (accuracy, disparity) space, one per mitigation."""
    fig, ax = plt.subplots(figsize=(5.6, 3.6))
    colors = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    for i, (label, x0, y0, x1, y1) in enumerate(points):
        color = colors[i % len(colors)]
        ax.annotate("", xy=(x1, y1), xytext=(x0, y0),
                    arrowprops={"arrowstyle": "->", "color": color, "alpha": 0.8})
        ax.plot([x0], [y0], marker="o", markersize=4, color="#5b6475")
        ax.plot([x1], [y1], marker="s", markersize=5, color=color, label=_plain(label))
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.grid(alpha=0.3)
    ax.legend(frameon=False, fontsize=7, loc="best")
    if title:
        ax.set_title(_plain(title), loc="left", fontsize=10)
    return figure_to_svg(fig)


def importance_chart(features: Sequence[str], values: Sequence[float], lows: Sequence[float],
                     highs: Sequence[float], *, xlabel: str, title: str = "") -> str:
    """Horizontal bars (largest on top) with interval whiskers, for global importance."""
    import numpy as np

    n = len(features)
    fig, ax = plt.subplots(figsize=(5.2, 0.28 * n + 0.9))
    y = np.arange(n)[::-1]
    values = np.asarray(values, dtype=float)
    err = np.vstack([values - np.asarray(lows, dtype=float),
                     np.asarray(highs, dtype=float) - values]).clip(min=0)
    ax.barh(y, values, color="#4c78a8", xerr=err, error_kw={"ecolor": "#333", "capsize": 2,
                                                            "elinewidth": 0.8})
    ax.set_yticks(y, list(features))
    ax.set_xlabel(xlabel)
    if title:
        ax.set_title(title, loc="left", fontsize=10)
    ax.grid(axis="x", alpha=0.3)
    return figure_to_svg(fig)


def waterfall_chart(base: float, contributions: dict[str, float], *, xlabel: str,
                    title: str = "", top: int = 8) -> str:
    """Waterfall from the baseline output through the largest contributions to the output.

    Contributions beyond the ``top`` largest in magnitude are pooled as "other features".
    """
    items = sorted(contributions.items(), key=lambda kv: -abs(kv[1]))
    shown = items[:top]
    if len(items) > top:
        shown.append((f"{len(items) - top} other features", sum(v for _, v in items[top:])))
    fig, ax = plt.subplots(figsize=(5.2, 0.3 * (len(shown) + 2) + 0.9))
    labels = ["baseline"] + [k for k, _ in shown] + ["output"]
    position = base
    n = len(labels)
    ax.barh(n - 1, base, color="#999")
    for i, (_, value) in enumerate(shown, start=1):
        ax.barh(n - 1 - i, value, left=position, color="#d62728" if value < 0 else "#2ca02c")
        position += value
    ax.barh(0, position, color="#4c78a8")
    ax.axvline(0, color="#333", linewidth=0.6)
    ax.set_yticks(range(n - 1, -1, -1), labels)
    ax.set_xlabel(xlabel)
    if title:
        ax.set_title(title, loc="left", fontsize=10)
    ax.grid(axis="x", alpha=0.3)
    return figure_to_svg(fig)


def matrix_chart(matrix: Sequence[Sequence[float]], labels: Sequence[str], *, title: str = "",
                 vmin: float = -1.0, vmax: float = 1.0) -> str:
    """A square heat map with the value written in each cell (e.g. rank correlations)."""
    import numpy as np

    values = np.asarray(matrix, dtype=float)
    n = len(labels)
    fig, ax = plt.subplots(figsize=(0.55 * n + 1.8, 0.55 * n + 1.0))
    ax.imshow(values, cmap="RdBu", vmin=vmin, vmax=vmax)
    for i in range(n):
        for j in range(n):
            ax.text(j, i, f"{values[i, j]:.2f}", ha="center", va="center", fontsize=7,
                    color="white" if abs(values[i, j]) > 0.7 else "black")
    ax.set_xticks(range(n), list(labels), rotation=45, ha="right")
    ax.set_yticks(range(n), list(labels))
    ax.spines[:].set_visible(False)
    if title:
        ax.set_title(title, loc="left", fontsize=10)
    return figure_to_svg(fig)


def grouped_bar_chart(categories: Sequence[str], series: dict[str, Sequence[float]], *,
                      xlabel: str, title: str = "") -> str:
    """Horizontal bars of several series (e.g. groups) side by side for each category."""
    import numpy as np

    n, k = len(categories), max(len(series), 1)
    fig, ax = plt.subplots(figsize=(5.2, 0.22 * n * k + 1.0))
    height = 0.8 / k
    base = np.arange(n)[::-1]
    for s, (label, values) in enumerate(series.items()):
        ax.barh(base + 0.4 - height * (s + 0.5), list(values), height=height, label=label)
    ax.axvline(0, color="#333", linewidth=0.6)
    ax.set_yticks(base, list(categories))
    ax.set_xlabel(xlabel)
    if title:
        ax.set_title(title, loc="left", fontsize=10)
    ax.grid(axis="x", alpha=0.3)
    ax.legend(frameon=False, fontsize=7)
    return figure_to_svg(fig)


def box_chart(labels: Sequence[str], stats: Sequence[dict], *, xlabel: str, title: str = "",
              reference: float | None = None) -> str:
    """Horizontal box plots from precomputed five-number summaries (``whislo``, ``q1``, ``med``,
    ``q3``, ``whishi``), one row per label, first label on top."""
    import numpy as np

    n = len(labels)
    fig, ax = plt.subplots(figsize=(5.2, 0.9 + 0.3 * n))
    ys = np.arange(n)[::-1] + 1
    import inspect

    # matplotlib 3.10 replaced vert=False by orientation="horizontal" (vert warns from 3.11)
    horizontal = ({"orientation": "horizontal"} if "orientation" in inspect.signature(ax.bxp).parameters
                  else {"vert": False})
    ax.bxp([dict(s, fliers=[]) for s in stats], positions=ys, widths=0.6, patch_artist=True, **horizontal,
           boxprops={"facecolor": "#c6d4ec", "edgecolor": "#2f5fb3"},
           medianprops={"color": "#2f5fb3"}, showfliers=False)
    if reference is not None:
        ax.axvline(reference, color="#5b6475", linewidth=0.8, linestyle="--")
    ax.set_yticks(ys, [_plain(label) for label in labels])
    ax.set_xlabel(xlabel)
    ax.grid(axis="x", alpha=0.3)
    if title:
        ax.set_title(_plain(title), loc="left", fontsize=10)
    return figure_to_svg(fig)
