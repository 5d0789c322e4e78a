"""Searching a space: the Optuna backend, the run directory, the Pareto front and its hypervolume.

`run_search(make_config({...}))` is what `nasbox search` runs; it (and torch) is imported on first use.
"""

from __future__ import annotations

from typing import Any

from nasbox.search.config import SearchConfig, make_config
from nasbox.search.front import Point, hypervolume, pareto_front, read_front


def __getattr__(name: str) -> Any:
    if name in ("SearchOutcome", "run_search"):
        from nasbox.search import run

        return getattr(run, name)
    raise AttributeError(f"module 'nasbox.search' has no attribute {name!r}")


__all__ = ["Point", "SearchConfig", "SearchOutcome", "hypervolume", "make_config", "pareto_front", "read_front",
           "run_search"]
