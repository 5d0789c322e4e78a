"""The cheapest and the dearest networks of a space, found by coordinate descent over the genes.

Spaces are far too large to enumerate, but their costs grow with almost every numeric gene taken alone (widths,
depths, kernels, ratios), so sweeping one gene at a time from the all-lowest (or all-highest) point, trying both
ends of each numeric gene and every value of each categorical one (a block type), finds the extreme in a few
sweeps; a second start from the other end guards against the genes that do not behave that way. The result is a
network of the space, so its cost is always reachable; a smaller one may exist that the descent misses.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from nasbox.cost import Cost
from nasbox.errors import NasboxError
from nasbox.space.genes import FixedSource, Gene, RecordingSource
from nasbox.space.space import Candidate, Space

_MAX_SWEEPS = 6


def cheapest(space: Space, key: Callable[[Cost], float] = lambda c: c.macs) -> Candidate:
    """A network of the space with the smallest `key(cost)` that coordinate descent finds."""
    return _descend(space, lambda candidate: key(candidate.cost), sign=1.0)


def dearest(space: Space, key: Callable[[Cost], float] = lambda c: c.macs) -> Candidate:
    """A network of the space with the largest `key(cost)` that coordinate descent finds."""
    return _descend(space, lambda candidate: key(candidate.cost), sign=-1.0)


def least_loaded(space: Space, load: Callable[[Candidate], float]) -> Candidate:
    """A network of the space with the smallest `load(candidate)` that coordinate descent finds: for a load that
    needs more than the cost (a latency predicted from the spec), what `cheapest` is for one that does not."""
    return _descend(space, load, sign=1.0)


def _descend(space: Space, key: Callable[[Candidate], float], sign: float) -> Candidate:
    best: tuple[float, Candidate, dict[str, Gene]] | None = None
    for start in ("lowest", "highest") if sign > 0 else ("highest", "lowest"):
        found = _evaluate(space, {}, start, key, sign)
        if found is None:
            continue
        found = _sweep(space, found, start, key, sign)
        if best is None or found[0] < best[0]:
            best = found
    if best is None:
        raise NasboxError(f"space {space.name!r} has no valid network at its extreme genes; check its file")
    return best[1]


def _sweep(space: Space, current: tuple[float, Candidate, dict[str, Gene]], fallback: str,
           key: Callable[[Candidate], float], sign: float) -> tuple[float, Candidate, dict[str, Gene]]:
    for _ in range(_MAX_SWEEPS):
        improved = False
        for name in list(current[1].genes):
            gene = current[2].get(name)
            if gene is None:
                continue
            for value in _values(gene):
                if value == current[1].genes.get(name):
                    continue
                found = _evaluate(space, {**current[1].genes, name: value}, fallback, key, sign)
                if found is not None and found[0] < current[0]:
                    current, improved = found, True
        if not improved:
            break
    return current


def _values(gene: Gene) -> tuple[Any, ...]:
    """The values worth trying: both ends of a numeric gene (cost is monotone in it, taken alone), every value
    of a categorical one."""
    values = gene.values()
    if values is None or all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values):
        return (gene.lowest(), gene.highest())
    return values


def _evaluate(space: Space, genes: dict[str, Any], fallback: str, key: Callable[[Candidate], float],
              sign: float) -> tuple[float, Candidate, dict[str, Gene]] | None:
    found = _candidate(space, tuple(sorted(genes.items(), key=lambda item: item[0])), fallback)
    if found is None:
        return None
    candidate, drawn = found
    return sign * key(candidate), candidate, drawn


@functools.lru_cache(maxsize=50_000)
def _candidate(space: Space, genes: tuple[tuple[str, Any], ...],
               fallback: str) -> tuple[Candidate, dict[str, Gene]] | None:
    """The candidate at `genes` (missing ones at their `fallback` end), remembered: the descents for the smallest
    and largest MACs and params walk through many of the same points."""
    source = RecordingSource(FixedSource(dict(genes), fallback=fallback))
    try:
        candidate = space.candidate(*space.walk(source))
    except NasboxError:  # an invalid network at these genes: not a candidate
        return None
    return candidate, source.drawn
