"""NAS-Bench-201's published table (accuracy, params, device latency of its 15,625 cells) and its cell notation."""

from nasbox.nb201.arch import EDGES, OPS, arch_index, connected, format_arch, parse_arch
from nasbox.nb201.table import DATASETS, DEVICES, CellRecord, Table, lookup, table

__all__ = ["DATASETS", "DEVICES", "EDGES", "OPS", "CellRecord", "Table", "arch_index", "connected", "format_arch",
           "lookup", "parse_arch", "table"]
