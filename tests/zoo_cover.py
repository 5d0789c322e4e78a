"""A few zoo networks that together use every layer type, option and named value the zoo uses: the costly
whole-network checks (ONNX, export without nasbox) run on these instead of on all 24, at the same coverage."""

from __future__ import annotations

from functools import cache
from typing import Any

from nasbox import zoo
from nasbox.cost import cost


def features(node: Any) -> set[tuple[str, str]]:
    """Every (layer type, option) a spec's encoded dict sets, and (option, value) for each named value."""
    found: set[tuple[str, str]] = set()
    if isinstance(node, dict):
        kind = node.get("type")
        for key, value in node.items():
            if kind is not None:
                found.add((kind, key))
            if isinstance(value, str) and key not in ("name", "type"):
                found.add((key, value))
            found |= features(value)
    elif isinstance(node, list):
        for item in node:
            found |= features(item)
    return found


@cache
def covering_zoo_networks() -> tuple[str, ...]:
    """Greedy set cover of the zoo's features, cheapest MACs per new feature first."""
    remaining = {name: features(zoo.get(name).to_dict()["layers"]) for name in zoo.names()}
    macs = {name: cost(zoo.get(name)).macs for name in remaining}
    wanted = set().union(*remaining.values())
    chosen: list[str] = []
    while wanted:
        name = min(remaining, key=lambda n: (macs[n] / max(len(remaining[n] & wanted), 1e-9), n))
        chosen.append(name)
        wanted -= remaining.pop(name)
    return tuple(sorted(chosen))
