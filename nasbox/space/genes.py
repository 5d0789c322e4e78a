"""Genes: the named, typed choices of a search space, and the sources that give them values.

A gene is categorical (`choices`), an integer range or a float range (linear or log, with an optional step), and
may exist only when earlier genes have given values (`when`). Every source of values goes through the same
`GeneSource.draw`, so a seeded RNG, an Optuna trial and a fixed gene dict walk a space identically.
"""

from __future__ import annotations

import functools
import math
import random
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from nasbox.errors import NasboxError

Value = bool | int | float | str
_ENUMERABLE_LIMIT = 100_000


@dataclass(frozen=True)
class Condition:
    """`gene` (a full name) must have one of `values` (and exist) for the condition to hold."""

    gene: str
    values: tuple[Value, ...]

    def holds(self, genes: Mapping[str, Any]) -> bool:
        return self.gene in genes and member(genes[self.gene], self.values)


def member(value: Any, values: tuple[Value, ...]) -> bool:
    """Whether `value` is one of `values`: true is kept apart from 1 (YAML and Python both conflate them), while a
    float gene's 1.0 matches a condition written as 1. Gene conditions, 'when' and 'switch' all use this rule."""
    return any(value == v and type(value) is type(v) for v in values) or (
        isinstance(value, float) and any(value == v for v in values if type(v) is int))


@dataclass(frozen=True)
class Gene:
    """One gene: `kind` is 'choices', 'int' or 'float'; `name` is its full name (e.g. 's2.width'); `idea` is the
    surveyed idea it encodes (a key of `nasbox.space.ideas.IDEAS`), when the space file says."""

    name: str
    kind: str
    choices: tuple[Value, ...] = ()
    low: float = 0
    high: float = 0
    step: float | None = None
    log: bool = False
    when: tuple[Condition, ...] = ()
    line: int = 0
    idea: str | None = None

    def exists(self, genes: Mapping[str, Any]) -> bool:
        return all(c.holds(genes) for c in self.when)

    def values(self) -> tuple[Value, ...] | None:
        """Every value the gene can take, in order; None for a continuous float range."""
        return self._values

    @functools.cached_property
    def _values(self) -> tuple[Value, ...] | None:
        """The grid, worked out once: sampling a range draws from it on every trial."""
        if self.kind == "choices":
            return self.choices
        if self.kind == "float" and self.step is None:
            return None
        step = self.step or 1
        count = math.floor((self.high - self.low) / step + 1e-9) + 1
        if count > _ENUMERABLE_LIMIT:
            return None
        if self.kind == "int":
            return tuple(int(self.low + i * step) for i in range(count))
        return tuple(_round_float(self.low + i * step) for i in range(count))

    def size(self) -> int | float:
        values = self.values()
        return math.inf if values is None else len(values)

    def contains(self, value: Any) -> bool:
        if self.kind == "choices":
            return member(value, self.choices)
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return False
        if self.kind == "int" and not isinstance(value, int):
            return False
        if not self.low - 1e-12 <= value <= self.high + 1e-12:
            return False
        if self.step is None:
            return True
        offset = (value - self.low) / self.step
        return abs(offset - round(offset)) < 1e-6

    def lowest(self) -> Value:
        return self.choices[0] if self.kind == "choices" else self._typed(self.low)

    def highest(self) -> Value:
        if self.kind == "choices":
            return self.choices[-1]
        values = self.values()
        return values[-1] if values else self._typed(self.high)

    def sample(self, rng: random.Random) -> Value:
        """A value drawn uniformly (log-uniformly for `log`), as Optuna's RandomSampler would."""
        if self.kind == "choices":
            return self.choices[rng.randrange(len(self.choices))]
        if self.log:
            value = math.exp(rng.uniform(math.log(self.low), math.log(self.high + (self.kind == "int"))))
            return min(int(value), int(self.high)) if self.kind == "int" else value
        values = self.values()
        if values is not None:
            return values[rng.randrange(len(values))]
        return rng.uniform(self.low, self.high)

    def suggest(self, trial: Any) -> Value:
        """Ask an Optuna trial for this gene (define-by-run, so conditional genes work with every sampler)."""
        if self.kind == "choices":
            return trial.suggest_categorical(self.name, list(self.choices))
        if self.kind == "int":
            return trial.suggest_int(self.name, low=int(self.low), high=int(self.high),
                                     step=int(self.step or 1), log=self.log)
        return trial.suggest_float(self.name, low=self.low, high=self.high, step=self.step, log=self.log)

    def _typed(self, value: float) -> Value:
        return int(value) if self.kind == "int" else float(value)


def _round_float(value: float) -> float:
    return float(f"{value:.12g}")


class GeneSource(Protocol):
    """Where gene values come from while a space is walked."""

    def draw(self, gene: Gene) -> Value: ...


class RandomSource:
    """Values from a seeded `random.Random`: the same seed gives the same genes."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng

    def draw(self, gene: Gene) -> Value:
        return gene.sample(self.rng)


class TrialSource:
    """Values suggested by an Optuna trial."""

    def __init__(self, trial: Any) -> None:
        self.trial = trial

    def draw(self, gene: Gene) -> Value:
        return gene.suggest(self.trial)


class FixedSource:
    """Values from a gene dict; a missing or out-of-range gene is an error unless a `fallback` gives one."""

    def __init__(self, genes: Mapping[str, Any], fallback: str | None = None) -> None:
        self.genes = genes
        self.fallback = fallback
        self.used: set[str] = set()

    def draw(self, gene: Gene) -> Value:
        if gene.name not in self.genes:
            if self.fallback == "lowest":
                return gene.lowest()
            if self.fallback == "highest":
                return gene.highest()
            raise NasboxError(f"gene {gene.name!r} is missing; give it a value ({describe(gene)})")
        value = self.genes[gene.name]
        if not gene.contains(value):
            raise NasboxError(f"gene {gene.name!r} cannot be {value!r}; it takes {describe(gene)}")
        self.used.add(gene.name)
        return gene._typed(value) if gene.kind != "choices" else value

    def check_all_used(self, space: str) -> None:
        extra = sorted(set(self.genes) - self.used)
        if extra:
            raise NasboxError(f"gene {extra[0]!r} is not a gene of space {space!r} with these values; "
                              "drop it (see 'nasbox spaces --json' for the genes)")


def describe(gene: Gene) -> str:
    """The gene's domain in words, for error messages and listings."""
    if gene.kind == "choices":
        return "one of " + ", ".join(repr(c) for c in gene.choices)
    text = f"{gene.kind}s from {gene._typed(gene.low)} to {gene._typed(gene.high)}"
    if gene.step:
        text += f" in steps of {gene._typed(gene.step)}"
    return text + (" (log scale)" if gene.log else "")


class RecordingSource:
    """Passes draws through to `inner` and keeps every gene drawn, by full name."""

    def __init__(self, inner: GeneSource) -> None:
        self.inner = inner
        self.drawn: dict[str, Gene] = {}

    def draw(self, gene: Gene) -> Value:
        self.drawn[gene.name] = gene
        return self.inner.draw(gene)
