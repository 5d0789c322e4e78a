"""Plain-text tables for terminal output."""

from __future__ import annotations

from collections.abc import Sequence

_SUFFIXES = ((10**12, "T"), (10**9, "G"), (10**6, "M"), (10**3, "K"))


def format_count(value: int | float) -> str:
    """A count with a K/M/G/T suffix and four significant digits, e.g. 1.814G, 600M."""
    for scale, suffix in _SUFFIXES:
        if abs(value) >= scale * 0.99995:  # so that 999,999 reads 1M, not 1000K
            return f"{value / scale:.4g}{suffix}"
    return str(value)


def format_table(headers: Sequence[str], rows: Sequence[Sequence[object]], numeric: Sequence[bool] = ()) -> str:
    """Align `rows` under `headers`; columns flagged in `numeric` are right-aligned."""
    cells = [[str(c) for c in headers], *[[str(c) for c in row] for row in rows]]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    right = list(numeric) + [False] * (len(headers) - len(numeric))

    def line(row: list[str]) -> str:
        return "  ".join(c.rjust(w) if r else c.ljust(w) for c, w, r in zip(row, widths, right, strict=True)).rstrip()

    rule = "  ".join("-" * w for w in widths)
    return "\n".join([line(cells[0]), rule, *(line(row) for row in cells[1:])])
