"""How an importance report reads: its idea and gene tables (for the terminal and, as markdown, TensorBoard) and a
bar figure of each idea's importance per objective.

The figure is built on `matplotlib.figure.Figure` directly, never pyplot, as `pareto_figure` is.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from nasbox.search.importance import ImportanceReport

Table = tuple[tuple[str, ...], list[tuple[str, ...]]]


def _percent(value: float) -> str:
    return f"{value:.1%}"


def idea_table(report: ImportanceReport) -> Table:
    """Per idea: its genes, its importance for each objective, and the value of its leading gene for the first
    objective that the best trials by that objective used."""
    first = report.objectives[0]
    headers = ("idea", "genes", *report.objectives, f"best 10% by {first} used")
    rows = []
    for idea in report.ideas:
        gene, preference = idea.direction[first]
        rows.append((idea.idea, str(len(idea.genes)), *(_percent(idea.importance[o]) for o in report.objectives),
                     f"{gene} = {preference.describe()}"))
    return headers, rows


def gene_table(report: ImportanceReport) -> Table:
    """Per gene: its idea, its importance for each objective, and the value the best trials by each used."""
    headers = ("gene", "idea", *report.objectives, *(f"best by {o}" for o in report.objectives))
    rows = [(g.gene, g.idea, *(_percent(g.importance[o]) for o in report.objectives),
             *(g.best[o].describe() for o in report.objectives)) for g in report.genes]
    return headers, rows


def heading(report: ImportanceReport) -> str:
    """One line: what was analysed, how, and on how many trials."""
    seeded = f", seed {report.seed}" if report.evaluator == "fanova" else ""
    return (f"gene importance of {report.run} (space {report.space}; {report.evaluator}{seeded} over "
            f"{report.trials} feasible searched trials); an idea's importance is the sum over its genes")


def importance_figure(report: ImportanceReport) -> Figure:
    """Horizontal bars: each idea's importance for each objective, the most important for the first on top."""
    from matplotlib.figure import Figure

    ideas = list(reversed(report.ideas))
    height = 0.8 / len(report.objectives)
    fig = Figure(figsize=(7, 1.2 + 0.35 * len(ideas) * max(1, len(report.objectives) / 2)), dpi=100,
                 layout="constrained")
    ax = fig.add_subplot()
    for k, objective in enumerate(report.objectives):
        offsets = [i + (k - (len(report.objectives) - 1) / 2) * height for i in range(len(ideas))]
        ax.barh(offsets, [idea.importance[objective] for idea in ideas], height=height, label=objective)
    ax.set_yticks(range(len(ideas)), [idea.idea for idea in ideas])
    ax.set_xlabel(f"importance ({report.evaluator}; sum over the idea's genes)")
    ax.set_title(f"which idea mattered, over {report.trials} trials")
    ax.legend(loc="lower right")
    return fig
