"""Strict, safe YAML reading shared by specs and search spaces, with errors that name file and line."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import yaml

from nasbox.errors import NasboxError


class _StrictSafeLoader(yaml.SafeLoader):
    """SafeLoader that refuses duplicate keys instead of silently keeping the last one (merge keys aside)."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict:
        seen: dict[Any, yaml.Node] = {}
        for key_node, _ in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                continue  # `<<: *anchor` merges are allowed to be overridden by the keys beside them
            key = self.construct_object(key_node, deep=True)
            if key in seen:
                mark = key_node.start_mark
                raise yaml.constructor.ConstructorError(
                    None, None, f"duplicate key {key!r} (first at line {seen[key].start_mark.line + 1})", mark)
            seen[key] = key_node
        return super().construct_mapping(node, deep)


class LocatedDict(dict):
    """A mapping read from YAML that remembers the line it starts on and the line of each key, for errors that
    point into the file."""

    line: int = 0
    key_lines: dict[Any, int]


class LocatedList(list):
    """A sequence read from YAML that remembers the line it starts on."""

    line: int = 0


class _LocatingLoader(_StrictSafeLoader):
    """Builds mappings and sequences that know their line (search spaces report errors by line)."""


def _located_mapping(loader: _LocatingLoader, node: yaml.MappingNode) -> Iterator[LocatedDict]:
    data = LocatedDict()
    data.line = node.start_mark.line + 1
    data.key_lines = {}
    yield data
    data.update(loader.construct_mapping(node))
    for key_node, _ in node.value:
        if key_node.tag != "tag:yaml.org,2002:merge":
            data.key_lines[loader.construct_object(key_node)] = key_node.start_mark.line + 1


def _located_sequence(loader: _LocatingLoader, node: yaml.SequenceNode) -> Iterator[LocatedList]:
    data = LocatedList()
    data.line = node.start_mark.line + 1
    yield data
    data.extend(loader.construct_sequence(node))


_LocatingLoader.add_constructor("tag:yaml.org,2002:map", _located_mapping)
_LocatingLoader.add_constructor("tag:yaml.org,2002:seq", _located_sequence)


def parse_yaml(text: str, source: str, located: bool = False) -> Any:
    """Parse YAML text; `source` names it in errors (a path, or '<string>'). With `located`, mappings and
    sequences are `LocatedDict` / `LocatedList` that carry their line."""
    loader = _LocatingLoader if located else _StrictSafeLoader
    try:
        return yaml.load(text, Loader=loader)  # SafeLoader subclasses: as safe as yaml.safe_load
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        where = f"{source}:{mark.line + 1}:{mark.column + 1}" if mark else source
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise NasboxError(f"{where}: malformed YAML: {problem}; fix the file's syntax") from None


def dump_yaml(data: Any) -> str:
    """Dump plain data as block YAML, with leaf mappings (single layers) on one line each."""
    return yaml.safe_dump(data, sort_keys=False, default_flow_style=None, width=120)
