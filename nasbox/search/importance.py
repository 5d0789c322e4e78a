"""Which surveyed idea paid: how much each gene of a run mattered for each objective, added up by the idea it
encodes (its space file's `idea:`), and which values the best trials used.

The importances are Optuna's own, through its public evaluators: PED-ANOVA (the default: it asks what the best
10% of trials share that the others do not, and handles genes that exist only in some networks) or fANOVA (the
share of the objective's variance a random forest puts on each gene, with a seed). They are computed over the
run's feasible, finished, searched trials only: baselines say nothing about the sampler's choices, and a network
over budget was never trained. Each gene's importances sum to 1 over the genes for each objective, so an idea's
importance, the sum over its genes, is its share.

How many trials that takes: Optuna advises at least 5 trials among PED-ANOVA's best 10%, so 50; a forest
needs about 10 trials per gene it weighs (the one-in-ten rule of regression). Fewer give a table all the same,
with a warning that it means little.

Reading a run writes nothing to it (the journal is opened through `optuna.load_study`).
"""

from __future__ import annotations

import math
import warnings
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from nasbox.errors import NasboxError
from nasbox.objectives import OBJECTIVES
from nasbox.search.front import read_front
from nasbox.search.rundir import RunDir
from nasbox.search.study import is_scored, is_searched, load_trials

if TYPE_CHECKING:
    from optuna.importance import BaseImportanceEvaluator
    from optuna.trial import FrozenTrial

    from nasbox.space import Space

BEST_QUANTILE = 0.1
"""The best trials whose gene values are reported (and those PED-ANOVA compares with the rest): the best 10%."""
UNASSIGNED = "unassigned"
"""The idea of a gene whose space names none (a user's space without `idea:` keys, or a gene no longer in it)."""


@dataclass(frozen=True)
class Evaluator:
    """An importance evaluator of Optuna's, and how many trials it takes to mean something for a number of genes."""

    name: str
    make: Callable[[int], BaseImportanceEvaluator]
    trials_needed: Callable[[int], int]
    rule: str
    conditional: bool  # whether it weighs genes that only some trials have (else they are encoded as 'absent')


def _ped_anova(seed: int) -> BaseImportanceEvaluator:
    from optuna.importance import PedAnovaImportanceEvaluator

    return PedAnovaImportanceEvaluator(target_quantile=BEST_QUANTILE)


def _fanova(seed: int) -> BaseImportanceEvaluator:
    from optuna.importance import FanovaImportanceEvaluator

    return FanovaImportanceEvaluator(seed=seed)


EVALUATORS = {
    "ped-anova": Evaluator("ped-anova", _ped_anova, lambda genes: math.ceil(5 / BEST_QUANTILE),
                           "Optuna advises at least 5 trials among PED-ANOVA's best 10%", conditional=True),
    "fanova": Evaluator("fanova", _fanova, lambda genes: 10 * genes,
                        "a random forest needs about 10 trials per gene", conditional=False),
}


@dataclass(frozen=True)
class Preference:
    """The value of a gene that most of the best trials used (None: most did not have the gene), in `count` of
    `of` of them."""

    value: Any
    count: int
    of: int

    def describe(self) -> str:
        return f"{_shown(self.value)} ({self.count}/{self.of})"

    def to_dict(self) -> dict[str, Any]:
        return {"value": self.value, "count": self.count, "of": self.of}


@dataclass(frozen=True)
class GeneImportance:
    """A gene's importance for each objective, and the value the best trials by each objective used."""

    gene: str
    idea: str
    importance: dict[str, float]
    best: dict[str, Preference]

    def to_dict(self) -> dict[str, Any]:
        return {"gene": self.gene, "idea": self.idea, "importance": self.importance,
                "best": {o: p.to_dict() for o, p in self.best.items()}}


@dataclass(frozen=True)
class IdeaImportance:
    """An idea's importance for each objective (the sum over its genes), and per objective its most important gene
    with the value the best trials used."""

    idea: str
    genes: tuple[str, ...]
    importance: dict[str, float]
    direction: dict[str, tuple[str, Preference]]

    def to_dict(self) -> dict[str, Any]:
        return {"idea": self.idea, "genes": list(self.genes), "importance": self.importance,
                "direction": {o: {"gene": g, **p.to_dict()} for o, (g, p) in self.direction.items()}}


@dataclass(frozen=True)
class ImportanceReport:
    """What `nasbox importance` prints: per idea and per gene, most important first for the first objective."""

    evaluator: str
    seed: int
    objectives: tuple[str, ...]
    trials: int
    trials_needed: int
    rule: str
    ideas: tuple[IdeaImportance, ...]
    genes: tuple[GeneImportance, ...]
    run: str = ""
    space: str = ""

    @property
    def warning(self) -> str | None:
        """One line when the run has too few trials for the figures to mean much, saying how many it would take."""
        if self.trials >= self.trials_needed:
            return None
        return (f"{self.trials} feasible searched trials are too few for these importances to mean much: "
                f"{self.rule}, so about {self.trials_needed} for {len(self.genes)} genes; extend the run with "
                f"--trials {self.trials_needed} or more")

    def to_dict(self) -> dict[str, Any]:
        return {"run": self.run, "space": self.space, "evaluator": self.evaluator, "seed": self.seed,
                "objectives": list(self.objectives), "trials": self.trials, "trials_needed": self.trials_needed,
                "warning": self.warning, "ideas": [i.to_dict() for i in self.ideas],
                "genes": [g.to_dict() for g in self.genes]}


def run_importance(run_dir: str | Path, objectives: Sequence[str] | None = None, *, evaluator: str = "ped-anova",
                   seed: int = 0) -> ImportanceReport:
    """The importance report of a run directory for `objectives` (default: all of the run's), read-only."""
    from nasbox.space import load_space

    run = RunDir(run_dir)
    read_front(run.path)  # one line when `run_dir` is not a run, or no trial has finished
    identity = run.read_identity()
    run_objectives = tuple(identity.get("objectives") or ())
    chosen = tuple(objectives) if objectives else run_objectives
    for objective in chosen:
        if objective not in run_objectives:
            raise NasboxError(f"--objective {objective}: {run.path} searched {', '.join(run_objectives)} only; give "
                              f"one of them")
    space = load_space(identity["space"])
    return trial_importance(load_trials(run), run_objectives, chosen, space, evaluator=evaluator, seed=seed,
                            where=str(run.path))


def trial_importance(trials: Sequence[FrozenTrial], run_objectives: Sequence[str], objectives: Sequence[str],
                     space: Space, *, evaluator: str = "ped-anova", seed: int = 0, where: str = "the run"
                     ) -> ImportanceReport:
    """The importance report of a search study's `trials` (told `run_objectives`, in order) for `objectives`, with
    genes grouped by the ideas of `space`; an error when fewer than 2 feasible searched trials have finished."""
    if evaluator not in EVALUATORS:
        raise NasboxError(f"--evaluator {evaluator}: unknown; use one of {', '.join(EVALUATORS)}")
    how = EVALUATORS[evaluator]
    scored = [t for t in trials if is_scored(t) and is_searched(t)]
    if len(scored) < 2:
        raise NasboxError(f"{where}: {len(scored)} feasible searched trial(s) have finished, and importance "
                          "compares at least 2; let the search run longer (--trials) and try again")
    declared = space.genes_by_name()
    present = {name for t in scored for name in t.params}
    genes = [name for name in declared if name in present] + sorted(present - set(declared))
    ideas = {name: (declared[name].idea if name in declared else None) or UNASSIGNED for name in genes}
    importance: dict[str, dict[str, float]] = {name: {} for name in genes}
    best: dict[str, dict[str, Preference]] = {name: {} for name in genes}
    for objective in objectives:
        index = list(run_objectives).index(objective)
        values = [t.values[index] for t in scored]
        direction = OBJECTIVES[objective].direction
        for name, share in _importances(scored, values, genes, direction, how, seed).items():
            importance[name][objective] = float(share)
        top = _best(scored, values, direction)
        for name in genes:
            best[name][objective] = _preference([t.params.get(name) for t in top])
    first = objectives[0]
    gene_rows = sorted((GeneImportance(n, ideas[n], importance[n], best[n]) for n in genes),
                       key=lambda g: (-g.importance[first], g.gene))
    idea_rows = []
    for idea in dict.fromkeys(ideas.values()):
        members = [g for g in gene_rows if g.idea == idea]
        direction = {}
        for objective in objectives:
            lead = max(members, key=lambda g, o=objective: g.importance[o])  # sorted by name on ties
            direction[objective] = (lead.gene, lead.best[objective])
        idea_rows.append(IdeaImportance(idea, tuple(g.gene for g in members),
                                        {o: sum(g.importance[o] for g in members) for o in objectives}, direction))
    idea_rows.sort(key=lambda i: (-i.importance[first], i.idea))
    return ImportanceReport(evaluator, seed, tuple(objectives), len(scored), how.trials_needed(len(genes)), how.rule,
                            tuple(idea_rows), tuple(gene_rows), run=where, space=space.name)


def _importances(trials: list[FrozenTrial], values: list[float], genes: list[str], direction: str,
                 how: Evaluator, seed: int) -> dict[str, float]:
    """Optuna's importances of `genes` for `values`, in an in-memory study of `trials` (the run's journal holds
    baselines and unfinished trials too, which must not count). A gene absent from some trials is given to an
    evaluator that cannot weigh such genes as a categorical one whose `None` means 'absent'."""
    import optuna
    from optuna.distributions import CategoricalDistribution
    from optuna.importance import get_param_importances

    if max(values) == min(values):
        return dict.fromkeys(genes, 0.0)  # nothing to explain
    distributions = {}
    for name in genes:
        given = next(t.distributions[name] for t in trials if name in t.params)
        everywhere = all(name in t.params for t in trials)
        if how.conditional or everywhere:
            distributions[name] = given
        else:
            choices = (given.choices if isinstance(given, CategoricalDistribution)
                       else tuple(sorted({t.params[name] for t in trials if name in t.params})))
            distributions[name] = CategoricalDistribution((*choices, None))
    study = optuna.create_study(direction=direction)
    study.add_trials([
        optuna.trial.create_trial(
            params={n: t.params.get(n) for n in genes if n in t.params or not how.conditional},
            distributions={n: distributions[n] for n in genes if n in t.params or not how.conditional},
            value=value)
        for t, value in zip(trials, values, strict=True)])
    with warnings.catch_warnings():  # too few trials: Optuna warns in its own words; the report says it in one line
        warnings.simplefilter("ignore")
        shares = get_param_importances(study, evaluator=how.make(seed), params=genes)
    total = sum(shares.values())
    return {name: shares[name] / total if total else 0.0 for name in genes}


def _best(trials: list[FrozenTrial], values: list[float], direction: str) -> list[FrozenTrial]:
    """The best `BEST_QUANTILE` of `trials` by `values` (at least one), ties by trial number."""
    count = max(1, math.ceil(BEST_QUANTILE * len(trials)))
    sign = -1 if direction == "maximize" else 1
    ranked = sorted(zip(values, trials, strict=True), key=lambda vt: (sign * vt[0], vt[1].number))
    return [t for _, t in ranked[:count]]


def _preference(values: list[Any]) -> Preference:
    """The most common of `values` (None: the gene was absent), ties to the one shown first in sorted order."""
    counts = Counter(values)
    value, count = min(counts.items(), key=lambda vc: (-vc[1], _shown(vc[0])))
    return Preference(value, count, len(values))


def _shown(value: Any) -> str:
    if value is None:
        return "absent"
    if isinstance(value, bool):
        return str(value).lower()
    return str(value)
