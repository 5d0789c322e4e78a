"""Export: ArchSpec → a standalone PyTorch module (imports only torch) with its weights, TorchScript and ONNX.

`to_source(spec)` is the module's source; `export(spec, directory)` writes a folder with model.py, spec.yaml,
weights.pt and model.json (and model.ts, model.onnx on request). torch is imported only when weights are written.
"""

from __future__ import annotations

from typing import Any

from nasbox.export.source import to_source


def __getattr__(name: str) -> Any:
    if name in ("Network", "export", "export_networks"):
        from nasbox.export import package

        return getattr(package, name)
    raise AttributeError(f"module 'nasbox.export' has no attribute {name!r}")


__all__ = ["Network", "export", "export_networks", "to_source"]
