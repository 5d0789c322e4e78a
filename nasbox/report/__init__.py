"""Human-readable output: tables and number formatting (TensorBoard writing comes with the search)."""

from nasbox.report.table import format_count, format_table

__all__ = ["format_count", "format_table"]
