"""MO-ASHA (Schmucker et al. 2021, as in Syne Tune): ASHA for multi-objective searches. At a rung, the trial and
those recorded there before it are ordered as NSGA-II orders a population: by non-dominated rank over (accuracy at
the rung, maximised; the cost objectives, minimised), then by crowding distance within a rank, larger first, so the
ends and the sparse stretches of each front go on before its crowded middle. The first ⌈n/η⌉ of the n go on; the
trial stops when it is not among them. Ties keep the newcomer first (as ASHA lets a trial equal to its cutoff go on).

Neither Optuna's pruners (single-objective only) nor Ray Tune's schedulers (one metric) offer this.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from nasbox.stopping.policy import Entry, StoppingPolicy


def nondominated_ranks(losses: np.ndarray) -> np.ndarray:
    """Each row's non-dominated rank (0: the first front) among the rows of `losses` (every column minimised)."""
    count = len(losses)
    ranks = np.full(count, -1)
    left = np.arange(count)
    rank = 0
    while len(left):
        sub = losses[left]
        dominated = np.array([np.any(np.all(sub <= row, axis=1) & np.any(sub < row, axis=1)) for row in sub])
        ranks[left[~dominated]] = rank
        left = left[dominated]
        rank += 1
    return ranks


def crowding_distances(losses: np.ndarray) -> np.ndarray:
    """NSGA-II's crowding distance of each row within its set: the sum over objectives of the gap between its two
    neighbours, normalised by the objective's range; infinite at either end of an objective."""
    count, objectives = losses.shape
    distance = np.zeros(count)
    if count <= 2:
        return np.full(count, math.inf)
    for k in range(objectives):
        order = np.argsort(losses[:, k], kind="stable")
        column = losses[order, k]
        distance[order[0]] = distance[order[-1]] = math.inf
        span = column[-1] - column[0]
        if span > 0 and np.isfinite(span):
            distance[order[1:-1]] += (column[2:] - column[:-2]) / span
    return distance


def promotion_order(losses: np.ndarray) -> list[int]:
    """Row indices, best first: by non-dominated rank, then by crowding distance within the rank (larger first),
    then by row order."""
    ranks = nondominated_ranks(losses)
    crowding = np.zeros(len(losses))
    for rank in set(ranks.tolist()):
        members = np.flatnonzero(ranks == rank)
        crowding[members] = crowding_distances(losses[members])
    return sorted(range(len(losses)), key=lambda i: (ranks[i], -crowding[i], i))


class MoAsha(StoppingPolicy):
    name = "mo-asha"

    def decide(self, epoch: int, entry: Entry, peers: Sequence[Entry]) -> str | None:
        if not peers:
            return None
        arrived = [entry, *peers]  # the newcomer first, so that ties keep it
        losses = np.array([[-e.accuracy, *e.costs] for e in arrived], dtype=float)
        keep = math.ceil(len(arrived) / self.reduction)
        place = promotion_order(losses).index(0)
        if place < keep:
            return None
        rank = int(nondominated_ranks(losses)[0])
        return (f"stopped early by MO-ASHA after epoch {epoch} at validation accuracy {entry.accuracy:.4f}: "
                f"placed {place + 1} of {len(arrived)} at the rung (non-dominated rank {rank}), and the first "
                f"{keep} go on")
