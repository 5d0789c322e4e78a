"""Strict, safe YAML reading shared by specs and search spaces, with errors that name file and line."""

from __future__ import annotations

from typing import Any

import yaml

from nasbox.errors import NasboxError


class _StrictSafeLoader(yaml.SafeLoader):
    """SafeLoader that refuses duplicate keys instead of silently keeping the last one."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict:
        seen: dict[Any, yaml.Node] = {}
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=True)
            if key in seen:
                mark = key_node.start_mark
                raise yaml.constructor.ConstructorError(
                    None, None, f"duplicate key {key!r} (first at line {seen[key].start_mark.line + 1})", mark)
            seen[key] = key_node
        return super().construct_mapping(node, deep)


def parse_yaml(text: str, source: str) -> Any:
    """Parse YAML text; `source` names it in errors (a path, or '<string>')."""
    try:
        return yaml.load(text, Loader=_StrictSafeLoader)  # a SafeLoader subclass: as safe as yaml.safe_load
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        where = f"{source}:{mark.line + 1}:{mark.column + 1}" if mark else source
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise NasboxError(f"{where}: malformed YAML: {problem}; fix the file's syntax") from None


def dump_yaml(data: Any) -> str:
    """Dump plain data as block YAML, with leaf mappings (single layers) on one line each."""
    return yaml.safe_dump(data, sort_keys=False, default_flow_style=None, width=120)
