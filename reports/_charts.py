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
    fig.savefig(buffer, format="svg", bbox_inches="tight", metadata={"Date": None})
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
