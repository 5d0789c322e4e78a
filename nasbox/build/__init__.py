"""ArchSpec → torch.nn.Module; module attribute names follow the spec (`layers.3.branches.1.0.conv`).

torch is imported on the first call, so that `import nasbox` and the CLI's quick answers stay fast.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from nasbox.arch.spec import ArchSpec
    from nasbox.build.builder import Network


def build(spec: ArchSpec, input_shape: tuple[int, ...] | None = None) -> Network:
    """Build the module for `spec` at `input_shape` (default: the spec's own input).

    Convolutional layers run at any size, but a linear layer after a flatten takes as many features as the map
    it flattens has at the shape built for; global and adaptive pools lift that limit.
    """
    from nasbox.build.builder import build as build_network

    return build_network(spec, input_shape)


__all__ = ["build"]
