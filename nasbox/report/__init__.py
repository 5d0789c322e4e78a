"""Human-readable output: terminal tables, TensorBoard and Pareto figures (units are `nasbox.units`)."""

from nasbox.report.table import format_table

__all__ = ["format_table"]
