"""The smallest program that runs one table entry as the network runs it: the builder's own module for an op,
`torch.cat` for a concatenation, the residual module's join for a join, `+` for a cell's sum."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from nasbox.arch import layers as L
from nasbox.cost.latency.entries import Entry
from nasbox.cost.latency.measure import prepare, random_input

if TYPE_CHECKING:
    import torch


def entry_runner(entry: Entry, device: torch.device, batch_size: int = 1,
                 channels_last: bool = False) -> Callable[[], Any]:
    """A call that runs `entry` once on fresh-looking data, as its network would."""
    import torch
    from torch import nn

    from nasbox.build.builder import build_layer
    from nasbox.ops import blocks as ops

    inputs = [random_input(s, batch_size, device, channels_last) for s in entry.inputs]
    if entry.kind == "concat":
        return lambda: torch.cat(inputs, 1)
    if entry.kind == "add":
        return lambda: inputs[0] + inputs[1]
    if entry.kind == "join":
        join = prepare(ops.Residual(nn.Identity(), None, entry.layer.scale,
                                    ops.activation(entry.layer.post_act, inplace=True)), device, channels_last)
        return lambda: join(inputs[0])
    layer = entry.layer
    if isinstance(layer, L.EnetDown | L.EnetUp):
        cin = entry.inputs[0][0]
        make = ops.EnetDown if isinstance(layer, L.EnetDown) else ops.EnetUp
        module = prepare(make(cin, layer.out, layer.internal(cin), layer.dropout, layer.act), device, channels_last)
        if isinstance(layer, L.EnetDown):
            return lambda: module(inputs[0])
        c, h, w = layer.out, 2 * entry.inputs[0][1], 2 * entry.inputs[0][2]
        _, indices = nn.functional.max_pool2d(random_input((c, h, w), batch_size, device, False), 2,
                                              return_indices=True)
        return lambda: module(inputs[0], indices)
    module = prepare(build_layer(layer, entry.inputs[0], "entry"), device, channels_last)
    return lambda: module(inputs[0])
