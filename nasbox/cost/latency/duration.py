"""Durations as users write them (`20ms`, `1.5 s`, `800us`) and as nasbox prints them."""

from __future__ import annotations

import re

from nasbox.errors import NasboxError

_DURATION = re.compile(r"\s*(\d+(?:\.\d*)?|\.\d+)\s*([A-Za-zµ]*)\s*\Z")
_UNITS = {"us": 1e-6, "µs": 1e-6, "ms": 1e-3, "s": 1.0}
_HINT = "write a duration such as 20ms (units us, ms, s)"


def parse_duration(text: str, option: str) -> float:
    """'20ms' → 0.02 (seconds); units us, ms and s, lower case, with or without a space before them.

    A number without a unit is refused rather than guessed: `--budget-latency 20` could mean 20 ms or 20 s.
    `option` names the flag in errors."""
    match = _DURATION.match(text) if isinstance(text, str) else None
    if match is None:
        raise NasboxError(f"{option}: {text!r} is not a duration; {_HINT}")
    number, unit = match.groups()
    if not unit:
        raise NasboxError(f"{option}: {text!r} has no unit; {_HINT}")
    if unit not in _UNITS:
        raise NasboxError(f"{option}: {text!r} has an unknown unit {unit!r}; {_HINT}")
    value = float(number) * _UNITS[unit]
    if value <= 0:
        raise NasboxError(f"{option}: {text!r} is not a positive duration; {_HINT}")
    return value


def format_duration(seconds: float) -> str:
    """A duration in the unit that keeps it readable: 850us, 12.3ms, 1.20s."""
    if seconds < 1e-3:
        return f"{seconds * 1e6:.0f}us"
    if seconds < 1.0:
        return f"{seconds * 1e3:.3g}ms" if seconds < 0.1 else f"{seconds * 1e3:.0f}ms"
    return f"{seconds:.2f}s"
