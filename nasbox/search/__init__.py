"""Searching a space: the Optuna backend, the run directory, the Pareto front and its hypervolume.

`run_search(make_config({...}))` is what `nasbox search` runs.
"""

from nasbox.search.config import SearchConfig, make_config
from nasbox.search.front import Point, hypervolume, pareto_front, read_front
from nasbox.search.run import SearchOutcome, run_search

__all__ = ["Point", "SearchConfig", "SearchOutcome", "hypervolume", "make_config", "pareto_front", "read_front",
           "run_search"]
