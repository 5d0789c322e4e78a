"""Latency: measurement on a device, a per-entry lookup table for a space, and the predictor it gives.

Why not MACs: on real devices the time per MAC differs several-fold between primitives (a 1×1 convolution runs
far better per MAC than a depthwise k×k one), so MACs rank networks poorly. A table built on the target device
(`build_table`, `nasbox latency-table`) measures every entry that a cover of the space's networks executes (see
`entries` for what an entry is; the search spaces' `table_cover` draws the cover), and predicts a network as the
sum of its entries plus a fitted per-network overhead (`table`). `check_table` (`nasbox latency-check`) says how
well it does, and `profile_latency` (`nasbox profile --latency`) puts one network's measurement and prediction
side by side.

This package takes specs and never reads a search space. Importing it does not import torch; the functions that
need it import it.
"""

from nasbox.cost.latency.build import Cover, build_table
from nasbox.cost.latency.check import CheckResult, check_table, kendall_tau
from nasbox.cost.latency.entries import Entry, spec_entries
from nasbox.cost.latency.measure import LatencyMeasurement, measure_latency
from nasbox.cost.latency.profile import LatencyProfile, profile_latency
from nasbox.cost.latency.table import LatencyTable, Overhead, Prediction, TableEntry

__all__ = ["CheckResult", "Cover", "Entry", "LatencyMeasurement", "LatencyProfile", "LatencyTable", "Overhead",
           "Prediction", "TableEntry", "build_table", "check_table", "kendall_tau", "measure_latency",
           "profile_latency", "spec_entries"]
