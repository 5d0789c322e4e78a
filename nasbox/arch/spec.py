"""The ArchSpec: a whole network as plain data, and its conversion to and from dicts, YAML and JSON."""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from nasbox.arch.codec import decode_dataclass, encode
from nasbox.arch.layers import Layer, Shape, sequence_shape
from nasbox.errors import NasboxError, SpecError
from nasbox.files import read_text
from nasbox.yaml_io import dump_yaml, parse_yaml


@dataclass(frozen=True)
class ArchSpec:
    """A network: its input shape, class count and ordered layers; the last layer emits `num_classes`."""

    name: str
    input: tuple[int, int, int] = field(metadata={"min": 1})
    num_classes: int = field(metadata={"min": 1})
    layers: tuple[Layer, ...]

    def output_shape(self, input_shape: Shape | None = None) -> Shape:
        """Infer the output shape at `input_shape` (default: the spec's own input), validating every layer."""
        shape = tuple(input_shape) if input_shape is not None else self.input
        return self.check_output(sequence_shape(self.layers, shape, "layers"))

    def check_output(self, out: Shape) -> Shape:
        """`out`, once checked to carry one channel or feature per class."""
        if not self.layers:
            raise SpecError("layers", "is empty; list at least one layer")
        if out[0] != self.num_classes:
            raise SpecError("num_classes", f"is {self.num_classes} but the last layer emits {out[0]}; "
                                           "make the final layer's width the class count")
        return out

    def validate(self) -> ArchSpec:
        self.output_shape()
        return self

    def to_dict(self) -> dict[str, Any]:
        return encode(self)

    @classmethod
    def from_dict(cls, data: Any) -> ArchSpec:
        return decode_dataclass(cls, data, "")

    def to_yaml(self) -> str:
        return dump_yaml(self.to_dict())

    def to_json(self) -> str:
        return json.dumps(self.to_dict())

    @classmethod
    def from_json(cls, text: str, source: str = "<string>") -> ArchSpec:
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise NasboxError(f"{source}:{exc.lineno}:{exc.colno}: malformed JSON: {exc.msg}; "
                              "fix the file's syntax") from None
        return cls.from_dict(data)

    @classmethod
    def from_yaml(cls, text: str, source: str = "<string>") -> ArchSpec:
        return cls.from_dict(parse_yaml(text, source))

    def replace(self, **changes: Any) -> ArchSpec:
        return dataclasses.replace(self, **changes)


def load_spec(source: str | Path | dict[str, Any] | ArchSpec) -> ArchSpec:
    """Read and validate a spec from a dict, or from a YAML or JSON file (chosen by the file's suffix)."""
    if isinstance(source, ArchSpec):
        return source.validate()
    if isinstance(source, dict):
        return ArchSpec.from_dict(source).validate()
    path = Path(source)
    text = read_text(path)
    try:
        if path.suffix == ".json":
            return ArchSpec.from_json(text, str(path)).validate()
        return ArchSpec.from_yaml(text, str(path)).validate()
    except SpecError as exc:
        raise SpecError(f"{path}: {exc.path}" if exc.path else str(path), exc.message) from None
