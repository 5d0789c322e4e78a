"""The units users write and nasbox prints: counts (`600M`) and durations (`20ms`, `10m`).

Counts take an optional K, M or G suffix (powers of 1000). A duration always takes a unit, from the table of the
flag it is given to (`TIMEOUT_UNITS`: s, m, h; `LATENCY_UNITS`: us, ms, s): a number without one is refused rather
than guessed, because `--budget-latency 20` could mean 20 ms or 20 s. Every error names the flag and the fix.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from nasbox.errors import NasboxError

_COUNT = re.compile(r"\s*(\d+(?:\.\d*)?|\.\d+)\s*([kKmMgG]?)\s*\Z")
_SCALE = {"": 1, "k": 10**3, "m": 10**6, "g": 10**9}
_SUFFIXES = ((10**12, "T"), (10**9, "G"), (10**6, "M"), (10**3, "K"))
_DURATION = re.compile(r"\s*(\d+(?:\.\d*)?|\.\d+)\s*([A-Za-zµ]*)\s*\Z")


def parse_count(text: str, option: str) -> int:
    """'600M' → 600_000_000; K, M and G are powers of 1000. `option` names the flag in errors."""
    match = _COUNT.match(text) if isinstance(text, str) else None
    value = round(float(match.group(1)) * _SCALE[match.group(2).lower()]) if match else 0
    if value <= 0:
        raise NasboxError(f"{option}: {text!r} is not a count; write a positive number with an optional K, M or "
                          "G suffix, such as 600M")
    return value


def format_count(value: int | float) -> str:
    """A count with a K/M/G/T suffix and four significant digits, e.g. 1.814G, 600M."""
    for scale, suffix in _SUFFIXES:
        if abs(value) >= scale * 0.99995:  # so that 999,999 reads 1M, not 1000K
            return f"{value / scale:.4g}{suffix}"
    return str(value)


@dataclass(frozen=True)
class DurationUnits:
    """The units one flag's durations take (seconds per unit, lower case), an example, and other spellings."""

    seconds: Mapping[str, float]
    example: str
    aliases: Mapping[str, str] = field(default_factory=dict)

    def names(self) -> str:
        return ", ".join(self.seconds)

    def hint(self) -> str:
        """The fix that every error of a duration ends with."""
        return f"write a duration such as {self.example} (units {self.names()})"

    def rule(self) -> str:
        """The units and the bare-number rule, for a flag's --help."""
        return f"units {self.names()}; a number without a unit is refused"


TIMEOUT_UNITS = DurationUnits({"s": 1.0, "m": 60.0, "h": 3600.0}, example="10m")
LATENCY_UNITS = DurationUnits({"us": 1e-6, "ms": 1e-3, "s": 1.0}, example="20ms", aliases={"µs": "us"})


def parse_duration(value: Any, option: str, units: DurationUnits) -> float:
    """'20ms' → 0.02, '10m' → 600.0 (seconds): a positive number and one of `units`, with or without a space.

    A YAML number arrives as an int or float and is refused like any number without a unit. `option` names the
    flag in errors."""
    text = str(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else value
    match = _DURATION.match(text) if isinstance(text, str) else None
    if match is None:
        raise NasboxError(f"{option}: {text!r} is not a duration; {units.hint()}")
    number, unit = match.groups()
    if not unit:
        raise NasboxError(f"{option}: {text!r} has no unit; {units.hint()}")
    unit = units.aliases.get(unit, unit)
    if unit not in units.seconds:
        raise NasboxError(f"{option}: {text!r} has an unknown unit {unit!r}; {units.hint()}")
    seconds = float(number) * units.seconds[unit]
    if seconds <= 0:
        raise NasboxError(f"{option}: {text!r} is not a positive duration; {units.hint()}")
    return seconds


def format_duration(seconds: float) -> str:
    """A duration in the unit that keeps it readable: 850us, 12.3ms, 1.20s."""
    if seconds < 1e-3:
        return f"{seconds * 1e6:.0f}us"
    if seconds < 1.0:
        return f"{seconds * 1e3:.3g}ms" if seconds < 0.1 else f"{seconds * 1e3:.0f}ms"
    return f"{seconds:.2f}s"
