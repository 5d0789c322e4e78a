"""ArchSpec → torch.nn.Module; module attribute names follow the spec (`layers.3.branches.1.0.conv`).

torch is imported on the first call, so that `import nasbox` and the CLI's quick answers stay fast.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from nasbox.arch.spec import ArchSpec
    from nasbox.build.builder import Network


def build(spec: ArchSpec) -> Network:
    """Build the module for `spec` at its own input shape (it runs at any shape the spec accepts)."""
    from nasbox.build.builder import build as build_network

    return build_network(spec)


__all__ = ["build"]
