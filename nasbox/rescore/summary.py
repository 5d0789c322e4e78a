"""Turning a recipe's records into numbers a reader can quote: per network the mean ± standard deviation of its
test accuracy over seeds with a 95% interval (Student's t), the re-scored front (dominance on the mean test accuracy
and the target MACs; a network beaten only by networks whose intervals overlap its own is flagged as tied rather
than called dominated), and Kendall's τ between the search's ranking (validation accuracy, one seed) and the
re-scored one."""

from __future__ import annotations

import math
import statistics
from dataclasses import asdict, dataclass
from typing import Any

from nasbox.rescore.plan import Member, Plan

CONFIDENCE = 0.95


@dataclass(frozen=True)
class NetworkScore:
    """One network's re-scored figures over its finished seeds."""

    key: str
    label: str
    baseline: str | None
    trial: int | None
    macs: int
    search_val_accuracy: float
    seeds: int
    failed: int
    test_mean: float | None
    test_sd: float | None
    interval: tuple[float, float] | None
    val_mean: float | None
    seconds: float
    standing: str = ""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> NetworkScore:
        interval = data.get("interval")
        return cls(**{**data, "interval": tuple(interval) if interval is not None else None})


@dataclass(frozen=True)
class RescoredFront:
    scores: list[NetworkScore]
    kendall_tau: float | None
    kendall_p: float | None

    @property
    def front(self) -> list[NetworkScore]:
        return [s for s in self.scores if s.standing in ("on front", "tied with the front (within interval)")]

    def ranks(self) -> dict[str, tuple[int, int]]:
        """Each scored network's rank by the search's validation accuracy and by its re-scored test mean (1 = the
        most accurate): which networks kept their place and which did not."""
        scored = [s for s in self.scores if s.test_mean is not None]
        by_search = sorted(scored, key=lambda s: -s.search_val_accuracy)
        by_test = sorted(scored, key=lambda s: -s.test_mean)
        return {s.key: (by_search.index(s) + 1, by_test.index(s) + 1) for s in scored}

    def to_dict(self) -> dict[str, Any]:
        return {"kendall_tau": self.kendall_tau, "kendall_p": self.kendall_p,
                "networks": [s.to_dict() for s in self.scores]}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> RescoredFront:
        return cls([NetworkScore.from_dict(n) for n in data["networks"]], data["kendall_tau"], data["kendall_p"])


def score_network(member: Member, records: list[dict[str, Any]]) -> NetworkScore:
    from scipy import stats

    mine = [r for r in records if r["key"] == member.key]
    scored = [r for r in mine if "test_accuracy" in r]
    tests = [r["test_accuracy"] for r in scored]
    mean = statistics.fmean(tests) if tests else None
    sd = statistics.stdev(tests) if len(tests) > 1 else (0.0 if tests else None)
    interval = None
    if len(tests) > 1:
        half = float(stats.t.ppf((1 + CONFIDENCE) / 2, len(tests) - 1)) * sd / math.sqrt(len(tests))
        interval = (mean - half, mean + half)
    return NetworkScore(key=member.key, label=member.label, baseline=member.baseline, trial=member.trial,
                        macs=member.macs, search_val_accuracy=member.search_val_accuracy, seeds=len(scored),
                        failed=len(mine) - len(scored), test_mean=mean, test_sd=sd, interval=interval,
                        val_mean=statistics.fmean(r["val_accuracy"] for r in scored) if scored else None,
                        seconds=sum(r.get("seconds", 0.0) for r in mine))


def summarise(plan: Plan, records: list[dict[str, Any]]) -> RescoredFront:
    """The re-scored figures, front standing and rank agreement of the plan's networks."""
    from scipy import stats

    scores = [score_network(m, records) for m in plan.members]
    scored = [s for s in scores if s.test_mean is not None]
    standings = {s.key: _standing(s, scored) for s in scored}
    scores = [_with(s, standings.get(s.key, "no finished seed")) for s in scores]
    tau = p_value = None
    if len(scored) >= 2:
        result = stats.kendalltau([s.search_val_accuracy for s in scored], [s.test_mean for s in scored])
        if not math.isnan(result.statistic):
            tau, p_value = float(result.statistic), float(result.pvalue)
    ordered = sorted(scores, key=lambda s: (s.macs, -(s.test_mean or 0.0)))
    return RescoredFront(ordered, tau, p_value)


def _dominates(a: NetworkScore, b: NetworkScore) -> bool:
    return a.test_mean >= b.test_mean and a.macs <= b.macs and (a.test_mean > b.test_mean or a.macs < b.macs)


def _overlap(a: NetworkScore, b: NetworkScore) -> bool:
    low_a, high_a = a.interval or (a.test_mean, a.test_mean)
    low_b, high_b = b.interval or (b.test_mean, b.test_mean)
    return low_a <= high_b and low_b <= high_a


def _standing(score: NetworkScore, scored: list[NetworkScore]) -> str:
    beaten_by = [other for other in scored if other is not score and _dominates(other, score)]
    if not beaten_by:
        return "on front"
    if all(_overlap(other, score) for other in beaten_by):
        return "tied with the front (within interval)"
    return "dominated"


def _with(score: NetworkScore, standing: str) -> NetworkScore:
    from dataclasses import replace

    return replace(score, standing=standing)
