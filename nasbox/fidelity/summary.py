"""Turning a measurement's records into the figures that say whether a proxy ranks networks as the reference does:
Kendall's τ and Spearman's ρ (scipy.stats) of each score against the reference's test accuracy (or a published
table's accuracy, beside that table's own seed-to-seed agreement), the share of the reference's top 20% (top 10%
against a published table, as its literature quotes) that the score also puts in its top 20%, the same between the
proxy's two seeds (the noise ceiling: no proxy agrees with the reference better than with itself, beyond chance),
and the CPU time of a training.

The scores are the proxy's test accuracy with seed 0 (one training, what a search sees of a network), the mean of
its seeds, and the free ones: MACs and params at the target shape (more taken to be better). A network enters the
figures only when all its trainings finished and none failed."""

from __future__ import annotations

import math
import statistics
import warnings
from dataclasses import asdict, dataclass
from typing import Any

from nasbox.fidelity import published as published_table
from nasbox.fidelity.plan import PROXY, PROXY_SEEDS, REFERENCE, FidelityPlan, Network
from nasbox.fidelity.published import PublishedReference

TOP_SHARE = 0.2


@dataclass(frozen=True)
class NetworkFigures:
    """One network's figures: target MACs and params, test accuracy per proxy seed and of the reference, and the
    CPU-seconds of each training (None where a training has not finished; `failed` names those that failed)."""

    key: str
    macs: int
    params: int
    genes: dict[str, Any]
    proxy: list[float | None]
    reference: float | None
    proxy_cpu_seconds: list[float | None]
    reference_cpu_seconds: float | None
    failed: list[str]

    @property
    def complete(self) -> bool:
        return not self.failed and self.reference is not None and all(a is not None for a in self.proxy)


@dataclass(frozen=True)
class Agreement:
    """How well `score` ranks the networks as `against` does."""

    score: str
    against: str
    kendall_tau: float | None
    kendall_p: float | None
    spearman_rho: float | None
    spearman_p: float | None
    top_overlap: float | None


@dataclass(frozen=True)
class FidelityReport:
    """Every network's figures, each score's agreement with the reference, the noise ceiling, and the mean
    CPU-seconds (and wall seconds) of one proxy and one reference training."""

    networks: list[NetworkFigures]
    agreements: list[Agreement]
    noise_ceiling: Agreement
    top_count: int
    cpu_seconds: dict[str, float | None]
    seconds: dict[str, float | None]
    top_share: float = TOP_SHARE
    published_ceiling: Agreement | None = None  # a published reference's seed 0 against its seed 1

    @property
    def scored(self) -> list[NetworkFigures]:
        return [n for n in self.networks if n.complete]

    @property
    def proxy_ranks_nothing(self) -> bool:
        """Whether every scored network got the same proxy score (say, chance): the recipe ranks nothing."""
        scores = {n.proxy[0] for n in self.scored}
        return len(self.scored) >= 2 and len(scores) == 1

    @property
    def cost_share(self) -> float | None:
        """One proxy training's CPU time as a share of one reference training's."""
        proxy, reference = self.cpu_seconds[PROXY], self.cpu_seconds[REFERENCE]
        return proxy / reference if proxy is not None and reference else None

    def agreement(self, score: str) -> Agreement:
        return next(a for a in self.agreements if a.score == score)

    def to_dict(self) -> dict[str, Any]:
        return {"scored": len(self.scored), "top_count": self.top_count, "cost_share": self.cost_share,
                **{k: v for k, v in asdict(self).items() if k != "top_count"}}


def network_figures(network: Network, records: dict[tuple[str, str, int], dict[str, Any]],
                    published: PublishedReference | None = None) -> NetworkFigures:
    """The figures of `network` from the records (keyed by network, recipe and seed), its reference looked up in
    the `published` table where there is one."""
    proxies = [records.get((network.key, PROXY, s)) for s in range(PROXY_SEEDS)]
    reference = records.get((network.key, REFERENCE, 0))
    failed = [f"{r['recipe']} seed {r['seed']}: {r['failed']}" for r in [*proxies, reference]
              if r is not None and "failed" in r]
    truth = published.accuracy(network.genes) if published else _get(reference, "test_accuracy")
    return NetworkFigures(key=network.key, macs=network.macs, params=network.params, genes=network.genes,
                          proxy=[_get(r, "test_accuracy") for r in proxies], reference=truth,
                          proxy_cpu_seconds=[_get(r, "cpu_seconds") for r in proxies],
                          reference_cpu_seconds=_get(reference, "cpu_seconds"), failed=failed)


def summarise(plan: FidelityPlan, records: list[dict[str, Any]]) -> FidelityReport:
    """The figures of the plan's networks from the finished records."""
    keyed = {(r["network"], r["recipe"], r["seed"]): r for r in records}
    published = plan.published
    networks = [network_figures(n, keyed, published) for n in plan.networks]
    scored = [n for n in networks if n.complete]
    share = published_table.TOP_SHARE if published else TOP_SHARE
    top = max(1, round(share * len(scored)))
    reference = [n.reference for n in scored]
    scores = {"proxy (seed 0)": [n.proxy[0] for n in scored],
              f"proxy (mean of {PROXY_SEEDS} seeds)": [statistics.fmean(n.proxy) for n in scored],
              "MACs": [float(n.macs) for n in scored], "params": [float(n.params) for n in scored]}
    keys = [n.key for n in scored]
    agreements = [agreement(name, values, "reference", reference, keys, top) for name, values in scores.items()]
    ceiling = agreement("proxy (seed 0)", [n.proxy[0] for n in scored], "proxy (seed 1)",
                        [n.proxy[1] for n in scored], keys, top)
    published_ceiling = None
    if published:
        seeds = [published.seeds(n.genes) for n in scored]
        published_ceiling = agreement(f"{published.name} seed 0", [a for a, _ in seeds], f"{published.name} seed 1",
                                      [b for _, b in seeds], keys, top)
    mine = [r for r in keyed.values() if r["network"] in {n.key for n in plan.networks}]
    return FidelityReport(networks, agreements, ceiling, top,
                          {recipe: _mean(mine, recipe, "cpu_seconds") for recipe in (PROXY, REFERENCE)},
                          {recipe: _mean(mine, recipe, "seconds") for recipe in (PROXY, REFERENCE)},
                          share, published_ceiling)


def agreement(score: str, values: list[float], against: str, truth: list[float], keys: list[str],
              top: int) -> Agreement:
    """Kendall's τ and Spearman's ρ of `values` against `truth`, and the share of the `top` best by `truth` that are
    among the `top` best by `values`; all None when either is constant (it ranks nothing) or there are fewer than 2."""
    from scipy import stats

    if len(values) < 2:
        return Agreement(score, against, None, None, None, None, None)
    with warnings.catch_warnings():  # a constant input has no rank correlation: None, said in the table as "–"
        warnings.simplefilter("ignore", stats.ConstantInputWarning)
        tau, rho = stats.kendalltau(values, truth), stats.spearmanr(values, truth)
    if math.isnan(tau.statistic):
        return Agreement(score, against, None, None, None, None, None)
    return Agreement(score, against, float(tau.statistic), float(tau.pvalue), float(rho.statistic),
                     float(rho.pvalue), len(_best(values, keys, top) & _best(truth, keys, top)) / top)


def _best(values: list[float], keys: list[str], top: int) -> set[str]:
    """The keys of the `top` highest values (the first key among equals)."""
    return {key for _, key in sorted(zip(values, keys, strict=True), key=lambda pair: (-pair[0], pair[1]))[:top]}


def _mean(records: list[dict[str, Any]], recipe: str, field: str) -> float | None:
    values = [r[field] for r in records if r["recipe"] == recipe and field in r]
    return statistics.fmean(values) if values else None


def _get(record: dict[str, Any] | None, field: str) -> Any:
    return record.get(field) if record is not None else None

