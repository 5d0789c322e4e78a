"""The accuracy-vs-cost scatter of a search, with its Pareto front, for TensorBoard and saved reports.

Built on `matplotlib.figure.Figure` directly, never pyplot: no global figure registry and no display needed, so
worker processes and threads can draw at once.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import TYPE_CHECKING

from nasbox.objectives import objective

if TYPE_CHECKING:
    from matplotlib.figure import Figure


def tick_label(x: str) -> Callable[[float, int], str]:
    """How the x ticks read: as objective `x` writes its values (K/M/G counts, 850us / 12.3ms durations)."""
    write = objective(x).format
    return lambda value, _pos: write(value)


_Y_LABELS = {"val_accuracy": "proxy accuracy (validation)", "test_accuracy": "proxy accuracy (test)"}


def pareto_figure(points: list[dict], front: list[dict], *, x: str = "macs", y: str = "val_accuracy",
                  budget: float | None = None, title: str = "") -> Figure:
    """`y` against `x` (log scale) for every point, the front as a step line, baselines marked with their names.

    Accuracy is maximised and `x` minimised, so the front is drawn as steps rising from left to right ('post':
    each front point's accuracy holds until the next, costlier one). Points without an `x` or `y` value (say no
    latency measured) are left out. `budget` draws a dashed vertical line at that `x`.
    """
    from matplotlib.figure import Figure
    from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter

    def has_xy(p: dict) -> bool:
        return p.get(x) is not None and p.get(y) is not None

    shown = [p for p in points if has_xy(p)]
    searched = [p for p in shown if p.get("baseline") is None]
    baselines = [p for p in shown if p.get("baseline") is not None]
    steps = sorted((p for p in front if has_xy(p)), key=lambda p: p[x])

    fig = Figure(figsize=(7, 4.5), dpi=100, layout="constrained")
    ax = fig.add_subplot()
    ax.set_xscale("log")
    ax.set_xlabel(objective(x).label)
    ax.set_ylabel(_Y_LABELS.get(y, y))
    if title:
        ax.set_title(title)
    ax.grid(True, which="major", alpha=0.3)

    ax.margins(x=0.08, y=0.08)
    if searched:
        ax.scatter([p[x] for p in searched], [p[y] for p in searched], s=9, color="0.6", label="searched", zorder=2)
    if steps:
        xs, ys = [p[x] for p in steps], [p[y] for p in steps]
        ax.step(xs, ys, where="post", color="tab:orange", linewidth=1.5, label="Pareto front", zorder=3)
        ax.scatter(xs, ys, s=30, color="tab:orange", edgecolors="black", linewidths=0.5, zorder=4)
    if budget is not None:
        ax.axvline(budget, linestyle="--", color="tab:red", linewidth=1, label="budget", zorder=1)
        ax.text(budget, 0.98, " budget", transform=ax.get_xaxis_transform(), color="tab:red", fontsize=8,
                va="top")
    if baselines:
        ax.scatter([p[x] for p in baselines], [p[y] for p in baselines], s=50, marker="D", color="tab:blue",
                   edgecolors="black", linewidths=0.5, label="baseline", zorder=5)
        lo, hi = (math.log(v) for v in ax.get_xlim())
        for p in baselines:
            # names of points in the right quarter go to their left, so that they stay inside the axes
            left = hi > lo and (math.log(p[x]) - lo) / (hi - lo) > 0.75
            ax.annotate(p["baseline"], (p[x], p[y]), xytext=(-5 if left else 5, 4), textcoords="offset points",
                        ha="right" if left else "left", fontsize=8)
    if shown:
        ax.legend(loc="best", fontsize=8)
    else:
        ax.text(0.5, 0.5, "no finished trials yet", transform=ax.transAxes, ha="center", va="center", color="0.4")
        ax.tick_params(labelbottom=False, labelleft=False)

    # 1-2-5 ticks per decade, labelled like the terminal tables; LogLocator falls back to linear ticks when a
    # narrow range would hold fewer than two of them
    ax.xaxis.set_major_locator(LogLocator(base=10, subs=(1.0, 2.0, 5.0)))
    ax.xaxis.set_major_formatter(FuncFormatter(tick_label(x)))
    ax.xaxis.set_minor_formatter(NullFormatter())
    return fig
