"""The re-scored front of a search: each network's mean test accuracy over seeds with its 95% interval as an error
bar, beside the single validation score the search gave it, against the target's MACs.

Like `pareto_figure`, built on `matplotlib.figure.Figure` directly, never pyplot.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from nasbox.report.pareto_figure import tick_label

if TYPE_CHECKING:
    from matplotlib.figure import Figure


def rescored_figure(scores: list[dict], *, title: str = "") -> Figure:
    """Mean test accuracy ± 95% interval against MACs (log) for every scored network of `scores` (the
    `NetworkScore.to_dict()` rows of a rescore), the search's validation score as a hollow marker joined to it,
    the re-scored front (the networks nothing beats, ties within the intervals aside) as a step line, baselines
    named."""
    from matplotlib.figure import Figure
    from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter

    shown = [s for s in scores if s.get("test_mean") is not None]
    fig = Figure(figsize=(7, 4.5), dpi=100, layout="constrained")
    ax = fig.add_subplot()
    ax.set_xscale("log")
    ax.set_xlabel("MACs")
    ax.set_ylabel("proxy accuracy")
    if title:
        ax.set_title(title)
    ax.grid(True, which="major", alpha=0.3)
    ax.margins(x=0.08, y=0.08)
    if not shown:
        ax.text(0.5, 0.5, "no finished seed yet", transform=ax.transAxes, ha="center", va="center", color="0.4")
        ax.tick_params(labelbottom=False, labelleft=False)
        return fig
    for s in shown:
        ax.plot([s["macs"], s["macs"]], [s["search_val_accuracy"], s["test_mean"]], color="0.75", linewidth=0.8,
                zorder=1)
    ax.scatter([s["macs"] for s in shown], [s["search_val_accuracy"] for s in shown], s=28, facecolors="none",
               edgecolors="0.45", label="search (validation, 1 seed)", zorder=2)
    for baseline in (False, True):
        group = [s for s in shown if (s.get("baseline") is not None) == baseline]
        if not group:
            continue
        below = [s["test_mean"] - (s["interval"] or (s["test_mean"],) * 2)[0] for s in group]
        above = [(s["interval"] or (s["test_mean"],) * 2)[1] - s["test_mean"] for s in group]
        ax.errorbar([s["macs"] for s in group], [s["test_mean"] for s in group], yerr=[below, above],
                    fmt="D" if baseline else "o", color="tab:blue" if baseline else "tab:orange", markersize=6,
                    markeredgecolor="black", markeredgewidth=0.5, capsize=3, linestyle="none", zorder=4,
                    label="baseline, re-scored (test, mean ± 95%)" if baseline else "re-scored (test, mean ± 95%)")
    front = sorted((s for s in shown if s.get("standing") == "on front"), key=lambda s: s["macs"])
    if front:
        ax.step([s["macs"] for s in front], [s["test_mean"] for s in front], where="post", color="tab:orange",
                linewidth=1.2, alpha=0.7, label="re-scored front", zorder=3)
    for s in shown:
        if s.get("baseline") is not None:
            ax.annotate(s["baseline"], (s["macs"], s["test_mean"]), xytext=(5, 4), textcoords="offset points",
                        fontsize=8)
    ax.legend(loc="best", fontsize=8)
    ax.xaxis.set_major_locator(LogLocator(base=10, subs=(1.0, 2.0, 5.0)))
    ax.xaxis.set_major_formatter(FuncFormatter(tick_label("macs")))
    ax.xaxis.set_minor_formatter(NullFormatter())
    return fig
