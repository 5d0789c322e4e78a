"""Latency: measurement on a device, a per-entry lookup table for a space, and the predictor it gives.

Why not MACs: on real devices the time per MAC differs several-fold between primitives (a 1×1 convolution runs
far better per MAC than a depthwise k×k one), so MACs rank networks poorly. A table built on the target device
(`build_table`, `nasbox latency-table`) measures every entry the space's networks execute (see `entries` for what
an entry is and `build` for the cover of a space), and predicts a network as the sum of its entries plus a fitted
per-network overhead (`table`). `check_table` (`nasbox latency-check`) says how well it does, and
`profile_latency` (`nasbox profile --latency`) puts one network's measurement and prediction side by side.

Importing this package imports neither torch nor the search spaces; the functions that need them import them.
"""

from nasbox.cost.latency.build import build_table
from nasbox.cost.latency.check import CheckResult, check_table, kendall_tau
from nasbox.cost.latency.device import device_name, resolve_device
from nasbox.cost.latency.duration import format_duration, parse_duration
from nasbox.cost.latency.entries import Entry, spec_entries
from nasbox.cost.latency.measure import LatencyMeasurement, measure_latency
from nasbox.cost.latency.profile import LatencyProfile, profile_latency
from nasbox.cost.latency.table import LatencyTable, Overhead, Prediction, TableEntry

__all__ = ["CheckResult", "Entry", "LatencyMeasurement", "LatencyProfile", "LatencyTable", "Overhead", "Prediction",
           "TableEntry", "build_table", "check_table", "device_name", "format_duration", "kendall_tau",
           "measure_latency", "parse_duration", "profile_latency", "resolve_device", "spec_entries"]
