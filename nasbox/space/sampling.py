"""Drawing networks of a space within a budget: a uniform draw, repaired toward cheaper genes when over budget.

Uniform draws miss tight budgets: half of `resnet`'s networks cost more than 5.9G MACs, so none of thousands meets
600M although the space holds networks from 215M. Rejection sampling then finds nothing, and a search's random
start-up trials waste themselves on networks that are never trained.

**The repair.** A budget is a `load(candidate)`: the largest share of a budget the candidate uses, ≤ 1 when it is
met (`Budget.load` of its cost, or any figure of the spec, such as a predicted latency). The *anchor* is the
least-loaded network of the space that coordinate descent finds (`extremes.least_loaded`, the walk that gives
`nasbox spaces` its min MACs); when even the anchor is over budget, the budget is refused. A network is drawn
uniformly up to `REDRAWS` times; the first draw within budget is kept. When none is, the least loaded of them is
moved toward the anchor: the genes in which the two differ are put in a random order, and the draw takes the
anchor's values for the shortest prefix of that order that brings its load to ≤ 1, found by bisection (the whole
order gives the anchor itself, so a feasible prefix always exists; a gene that a moved gene brings into existence
is drawn uniformly). Then `WANDER_STEPS` random steps spend the slack: a moved gene is drawn again, and the change
is kept when the network still meets the budget. A repair costs about log2(genes) + `WANDER_STEPS` costings.

**The distribution.** With a share p of the space within budget, a sample is a uniform draw of the feasible
networks with probability 1 - (1 - p)^REDRAWS: nearly always for a loose budget, where this is nearly rejection
sampling, and as fast. Otherwise (most of the time, for a tight budget) it is a repaired draw, which keeps its
other genes as drawn and has the moved ones at the anchor's values or redrawn within the budget: repaired samples
lie near the budget's edge and lean toward the anchor's values of the genes that weigh most on the load. The
tighter the budget (the nearer the anchor's load), the more genes move and the more samples share them; it is a
sample of the feasible region, not a uniform one. `sample_within(..., uniform=True)` (`nasbox sample --uniform`)
is rejection sampling: exactly uniform over the feasible networks, when it finds them.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping
from typing import Any

from nasbox.errors import NasboxError
from nasbox.space.budget import Budget, check_reachable
from nasbox.space.extremes import least_loaded
from nasbox.space.genes import Gene, Value
from nasbox.space.space import Candidate, Space

Load = Callable[[Candidate], float]
REDRAWS = 4
WANDER_STEPS = 4


def sample_within(space: Space, rng: random.Random, budget: Budget, count: int, *, uniform: bool = False,
                  max_draws: int | None = None) -> tuple[list[Candidate], int]:
    """`count` networks of `space` that meet `budget`, drawn from `rng`, and the number of uniform draws made.

    By default each network is `draw_feasible`'s, so at most `REDRAWS × count` draws are made (see the module
    docstring). With `uniform`, draws over budget are dropped and drawn again, up to `max_draws` (default
    max(1000, 200 × count))."""
    check_reachable(space, budget)
    if uniform:
        return _rejection(space, rng, budget, count, max_draws or max(1000, 200 * count))

    def load(candidate: Candidate) -> float:
        return budget.load(candidate.cost)

    anchor = least_loaded(space, load) if budget.limits() else None
    found = [_draw(space, rng, load, anchor) for _ in range(count)]
    return [candidate for candidate, _ in found], sum(draws for _, draws in found)


def draw_feasible(space: Space, rng: random.Random, load: Load, anchor: Candidate | None = None) -> Candidate:
    """One network of `space` with `load(candidate) ≤ 1`: the first of up to `REDRAWS` uniform draws from `rng`
    that meets the budget, or else the least loaded of them, repaired toward `anchor`. `anchor` defaults to
    `extremes.least_loaded(space, load)`; pass it when drawing many."""
    return _draw(space, rng, load, anchor)[0]


def _draw(space: Space, rng: random.Random, load: Load, anchor: Candidate | None) -> tuple[Candidate, int]:
    """`draw_feasible`'s network, and the number of uniform draws it took."""
    drawn: list[tuple[float, Candidate]] = []
    for _ in range(REDRAWS):
        candidate = space.candidate(*space.sample(rng))
        if load(candidate) <= 1:
            return candidate, len(drawn) + 1
        drawn.append((load(candidate), candidate))
    anchor = anchor if anchor is not None else least_loaded(space, load)
    if load(anchor) > 1:
        raise NasboxError(f"no network of space {space.name!r} meets the budget: the least loaded one found uses "
                          f"{load(anchor):.0%} of it; raise the budget or choose a smaller space")
    closest = min(drawn, key=lambda pair: pair[0])[1]
    return _repair(space, rng, closest.genes, anchor, load), REDRAWS


def _repair(space: Space, rng: random.Random, genes: dict[str, Any], anchor: Candidate, load: Load) -> Candidate:
    """The draw with the shortest prefix of a random order of its differing genes moved to the anchor's values
    that meets the budget. Bisection keeps `low` over budget (nothing moved: the draw) and `high` within it
    (everything moved: the anchor)."""
    moves = [name for name in sorted(genes.keys() | anchor.genes.keys())
             if not _same(genes.get(name, _ABSENT), anchor.genes.get(name, _ABSENT))]
    rng.shuffle(moves)
    low, high, best = 0, len(moves), anchor
    while high - low > 1:
        middle = (low + high) // 2
        found = _completed(space, rng, _moved(genes, anchor.genes, moves[:middle]))
        if found is not None and load(found) <= 1:
            high, best = middle, found
        else:
            low = middle
    return _wander(space, rng, best, moves[:high], load)


def _wander(space: Space, rng: random.Random, candidate: Candidate, moved: list[str], load: Load) -> Candidate:
    """A few random steps within the budget: a moved gene drawn again, kept when the network still fits."""
    for _ in range(WANDER_STEPS):
        present = [name for name in moved if name in candidate.genes]
        if not present:
            break
        name = present[rng.randrange(len(present))]
        found = _completed(space, rng, {k: v for k, v in candidate.genes.items() if k != name})
        if found is not None and load(found) <= 1:
            candidate = found
    return candidate


def _moved(genes: Mapping[str, Any], anchor: Mapping[str, Any], names: list[str]) -> dict[str, Any]:
    """`genes` with `names` at the anchor's values (dropped where the anchor does not have them)."""
    moved = dict(genes)
    for name in names:
        if name in anchor:
            moved[name] = anchor[name]
        else:
            moved.pop(name, None)
    return moved


def _completed(space: Space, rng: random.Random, genes: Mapping[str, Any]) -> Candidate | None:
    """The candidate of `genes`, those it lacks drawn from `rng`; None when they give no valid network."""
    try:
        return space.candidate(*space.walk(_Completed(genes, rng)))
    except NasboxError:
        return None


class _Completed:
    """Gene values from a dict; a gene it lacks (brought into existence by a moved gene) is drawn from `rng`."""

    def __init__(self, genes: Mapping[str, Any], rng: random.Random) -> None:
        self.genes = genes
        self.rng = rng

    def draw(self, gene: Gene) -> Value:
        return self.genes[gene.name] if gene.name in self.genes else gene.sample(self.rng)


_ABSENT = object()


def _same(a: Any, b: Any) -> bool:
    """Equal and of one type: true is not 1, as for gene conditions."""
    return type(a) is type(b) and a == b


def _rejection(space: Space, rng: random.Random, budget: Budget, count: int,
               limit: int) -> tuple[list[Candidate], int]:
    found: list[Candidate] = []
    draws = 0
    while len(found) < count:
        if draws == limit:
            raise NasboxError(f"only {len(found)} of {count} random networks of space {space.name!r} met "
                              f"{budget.describe()} in {draws} draws; raise the budget, or sample without "
                              "--uniform to repair the draws over it")
        draws += 1
        candidate = space.candidate(*space.sample(rng))
        if budget.admits(candidate.cost):
            found.append(candidate)
    return found, draws
