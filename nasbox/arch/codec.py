"""Type-driven conversion between spec dataclasses and plain data (dicts, lists, scalars).

Reading is strict so that a typo in a YAML file fails with the path of the field and what to write instead,
rather than surfacing later as a shape error or a silently ignored key. Writing omits fields left at their
defaults so that dumped specs stay short and readable; reading them back restores the defaults, so the round
trip is exact.
"""

from __future__ import annotations

import dataclasses
import functools
import math
import types
import typing
from typing import Any, Literal, Union

from nasbox.errors import SpecError

_MISSING = dataclasses.MISSING


class Tagged:
    """Base of the dataclasses that are told apart in plain data by their `type` key (the primitives)."""

    type_name: typing.ClassVar[str] = ""
    registry: typing.ClassVar[dict[str, type[Tagged]]] = {}

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if cls.type_name:
            Tagged.registry[cls.type_name] = cls


@functools.cache
def _hints(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls)


@functools.cache
def _fields(cls: type) -> tuple[dataclasses.Field, ...]:
    return tuple(f for f in dataclasses.fields(cls) if f.init)


def _describe(value: Any) -> str:
    return repr(value) if not isinstance(value, (dict, list)) else type(value).__name__


def _expected(tp: Any) -> str:
    """A human name for a type annotation, used in error messages."""
    origin = typing.get_origin(tp)
    if tp is int:
        return "an integer"
    if tp is float:
        return "a number"
    if tp is bool:
        return "true or false"
    if tp is str:
        return "a string"
    if tp is type(None):
        return "null"
    if origin is Literal:
        return "one of " + ", ".join(repr(a) for a in typing.get_args(tp))
    if origin in (Union, types.UnionType):
        return " or ".join(_expected(a) for a in typing.get_args(tp))
    if origin is tuple:
        args = typing.get_args(tp)
        if len(args) == 2 and args[1] is Ellipsis:
            return f"a list of {_expected(args[0])}"
        return f"a list of {len(args)} items"
    if isinstance(tp, type) and issubclass(tp, Tagged):
        return "a mapping with a 'type' key"
    if dataclasses.is_dataclass(tp):
        return "a mapping"
    return str(tp)


def decode(tp: Any, value: Any, path: str) -> Any:
    """Convert plain data to the annotated type, raising SpecError at `path` when it does not fit."""
    origin = typing.get_origin(tp)
    if tp is Any:
        return value
    if tp is int:
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        raise SpecError(path, f"must be an integer, got {_describe(value)}")
    if tp is float:
        if isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value):
            return float(value)
        raise SpecError(path, f"must be a finite number, got {_describe(value)}")
    if tp is bool:
        if isinstance(value, bool):
            return value
        raise SpecError(path, f"must be true or false, got {_describe(value)}")
    if tp is str:
        if isinstance(value, str):
            return value
        raise SpecError(path, f"must be a string, got {_describe(value)}")
    if tp is type(None):
        if value is None:
            return None
        raise SpecError(path, f"must be null, got {_describe(value)}")
    if origin is Literal:
        if value in typing.get_args(tp) and not isinstance(value, bool):
            return value
        raise SpecError(path, f"must be {_expected(tp)}, got {_describe(value)}")
    if origin in (Union, types.UnionType):
        for option in typing.get_args(tp):
            try:
                return decode(option, value, path)
            except SpecError:
                continue
        raise SpecError(path, f"must be {_expected(tp)}, got {_describe(value)}")
    if origin is tuple:
        return _decode_tuple(tp, value, path)
    if isinstance(tp, type) and issubclass(tp, Tagged):
        return decode_tagged(value, path)
    if dataclasses.is_dataclass(tp):
        return decode_dataclass(tp, value, path)
    raise TypeError(f"no decoder for annotation {tp!r}")


def _decode_tuple(tp: Any, value: Any, path: str) -> tuple:
    args = typing.get_args(tp)
    if not isinstance(value, (list, tuple)):
        raise SpecError(path, f"must be {_expected(tp)}, got {_describe(value)}")
    if len(args) == 2 and args[1] is Ellipsis:
        return tuple(decode(args[0], item, f"{path}[{i}]") for i, item in enumerate(value))
    if len(value) != len(args):
        raise SpecError(path, f"must be a list of {len(args)} items, got {len(value)}")
    return tuple(decode(a, item, f"{path}[{i}]") for i, (a, item) in enumerate(zip(args, value, strict=True)))


def decode_tagged(value: Any, path: str) -> Tagged:
    """Decode a primitive: its `type` key chooses the dataclass."""
    if not isinstance(value, dict):
        raise SpecError(path, f"must be a mapping with a 'type' key, got {_describe(value)}")
    if "type" not in value:
        raise SpecError(path, "missing 'type'; give one of " + ", ".join(sorted(Tagged.registry)))
    name = value["type"]
    cls = Tagged.registry.get(name) if isinstance(name, str) else None
    if cls is None:
        known = ", ".join(sorted(Tagged.registry))
        raise SpecError(f"{path}.type", f"unknown primitive {name!r}; use one of {known}")
    return decode_dataclass(cls, {k: v for k, v in value.items() if k != "type"}, path)


def decode_dataclass(cls: type, value: Any, path: str) -> Any:
    """Decode a mapping into `cls`, rejecting unknown keys and values below a field's `min`."""
    if not isinstance(value, dict):
        raise SpecError(path, f"must be a mapping, got {_describe(value)}")
    fields = _fields(cls)
    names = {f.name for f in fields}
    for key in value:
        if key not in names:
            raise SpecError(f"{path}.{key}" if path else str(key),
                            f"unknown field; {_type_label(cls)} takes {', '.join(sorted(names))}")
    hints = _hints(cls)
    kwargs = {}
    for f in fields:
        fpath = f"{path}.{f.name}" if path else f.name
        if f.name not in value:
            if f.default is _MISSING and f.default_factory is _MISSING:
                raise SpecError(fpath, f"missing; {_type_label(cls)} requires it ({_expected(hints[f.name])})")
            continue
        decoded = decode(hints[f.name], value[f.name], fpath)
        _check_min(f, decoded, fpath)
        kwargs[f.name] = decoded
    return cls(**kwargs)


def field_hints(cls: type) -> dict[str, tuple[Any, dataclasses.Field]]:
    """Each init field of a dataclass: its resolved type annotation and its `dataclasses.Field`."""
    hints = _hints(cls)
    return {f.name: (hints[f.name], f) for f in _fields(cls)}


def decode_field(cls: type, name: str, value: Any, path: str) -> Any:
    """Decode one field's value as `decode_dataclass` would, its `min` included."""
    hint, f = field_hints(cls)[name]
    decoded = decode(hint, value, path)
    _check_min(f, decoded, path)
    return decoded


def _type_label(cls: type) -> str:
    name = getattr(cls, "type_name", "")
    return f"'{name}'" if name else cls.__name__


def _check_min(f: dataclasses.Field, value: Any, path: str) -> None:
    low = f.metadata.get("min")
    if low is None:
        return
    items = value if isinstance(value, tuple) else (value,)
    for item in items:
        if isinstance(item, (int, float)) and not isinstance(item, bool) and item < low:
            what = "a positive integer" if low == 1 else f"at least {low}"
            raise SpecError(path, f"must be {what}, got {item}")


def encode(value: Any) -> Any:
    """Convert a spec value to plain data: dataclasses to dicts (defaults omitted), tuples to lists."""
    if isinstance(value, Tagged):
        return {"type": value.type_name, **_encode_fields(value)}
    if dataclasses.is_dataclass(value):
        return _encode_fields(value)
    if isinstance(value, tuple):
        return [encode(v) for v in value]
    return value


def _encode_fields(obj: Any) -> dict[str, Any]:
    out = {}
    for f in _fields(type(obj)):
        v = getattr(obj, f.name)
        if f.default is not _MISSING and v == f.default and type(v) is type(f.default):
            continue
        if f.default_factory is not _MISSING and v == f.default_factory():
            continue
        out[f.name] = encode(v)
    return out
