"""Python expressions as a small tree, printed the way a person lays out a long constructor call.

`Call("conv_bn_act", (3, 32, 3), {"stride": 2})` prints `conv_bn_act(3, 32, 3, stride=2)` when it fits on the
line, else one argument per line; a lone argument that is itself a call hugs its parent
(`nn.Sequential(OrderedDict(` ... `))`). Values are literals printed with `repr` (numbers, booleans, tuples,
strings) or `Code`, which is trusted generated text such as a name; nothing else reaches the source.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

LINE = 120
INDENT = "    "


@dataclass(frozen=True)
class Code:
    """Generated source text (a name or an expression the generator wrote), printed as it is."""

    text: str


@dataclass(frozen=True)
class Call:
    """`func(*args, **kwargs)`; `comments` holds a comment line per positional argument (or None)."""

    func: str
    args: tuple[Value, ...] = ()
    kwargs: tuple[tuple[str, Value], ...] = ()
    comments: tuple[str | None, ...] = field(default=())


Value = Call | Code | int | float | bool | str | tuple | None


def literal(value: Value) -> str:
    """The one-line source of `value`."""
    if isinstance(value, Call):
        return f"{value.func}({', '.join(_flat_items(value))})"
    if isinstance(value, Code):
        return value.text
    if isinstance(value, tuple):
        inner = ", ".join(literal(v) for v in value)
        return f"({inner},)" if len(value) == 1 else f"({inner})"
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError(f"no Python literal for {value}")
    if isinstance(value, (bool, int, float, str)) or value is None:
        return repr(value)
    raise TypeError(f"no literal for {type(value).__name__}")


def _flat_items(call: Call) -> list[str]:
    return [literal(a) for a in call.args] + [f"{name}={literal(v)}" for name, v in call.kwargs]


def render(value: Value, indent: str = "", room: int = LINE) -> str:
    """`value` printed at `indent` (the text already on its first line takes `LINE - room` columns)."""
    flat = literal(value)
    if not isinstance(value, Call) or (len(indent) + len(flat) <= room and not any(value.comments)):
        return flat
    if len(value.args) == 1 and not value.kwargs and isinstance(value.args[0], Call) and not any(value.comments):
        return f"{value.func}({render(value.args[0], indent, room - len(value.func) - 2)})"
    inner = indent + INDENT
    lines = [f"{value.func}("]
    comments = value.comments + (None,) * (len(value.args) - len(value.comments))
    for arg, comment in zip(value.args, comments, strict=True):
        if comment:
            lines.append(f"{inner}# {comment}")
        lines.append(f"{inner}{render(arg, inner, LINE - 1)},")
    for name, arg in value.kwargs:
        lines.append(f"{inner}{name}={render(arg, inner, LINE - len(name) - 2)},")
    lines.append(f"{indent})")
    return "\n".join(lines)
