"""Modules for the combinators and the few ops torch lacks; child names follow the spec's field names."""

from __future__ import annotations

from collections import OrderedDict

import torch
import torch.nn.functional as F
from torch import nn


def activation(name: str, inplace: bool = False) -> nn.Module | None:
    """The module for an activation name, or None for 'none'."""
    if name == "none":
        return None
    if name == "prelu":
        return nn.PReLU()
    if name == "relu":
        return nn.ReLU(inplace=inplace)
    if name == "relu6":
        return nn.ReLU6(inplace=inplace)
    if name == "tanh":
        return nn.Tanh()
    if name == "sigmoid":
        return nn.Sigmoid()
    raise ValueError(f"unknown activation {name!r}")


class GlobalPool(nn.Module):
    """Pool every channel to one value and return a (N, C) tensor."""

    def __init__(self, mode: str) -> None:
        super().__init__()
        self.mode = mode

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        pooled = x.amax(dim=(2, 3)) if self.mode == "max" else x.mean(dim=(2, 3))
        return pooled

    def extra_repr(self) -> str:
        return f"mode={self.mode!r}"


class Concat(nn.Module):
    """Run every branch on the input and concatenate along channels (an empty branch passes the input)."""

    def __init__(self, branches: list[nn.Module]) -> None:
        super().__init__()
        self.branches = nn.ModuleList(branches)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.cat([branch(x) for branch in self.branches], dim=1)


class PreActivation(nn.Sequential):
    """A pre-activation convolution's `bn`, `act`, then `conv`. A class of its own: TorchScript compiles two
    Sequentials whose children have the same names and kinds as one type whatever their order (torch 2.13), so a
    network holding both orders would run one as the other when scripted."""


class Residual(nn.Module):
    """post_act(shortcut(x) + scale * body(x))."""

    def __init__(self, body: nn.Module, shortcut: nn.Module | None, scale: float, post_act: nn.Module | None):
        super().__init__()
        self.body = body
        self.shortcut = shortcut if shortcut is not None else nn.Identity()
        self.scale = scale
        self.post_act = post_act if post_act is not None else nn.Identity()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.body(x)
        if self.scale != 1.0:
            out = out * self.scale
        return self.post_act(self.shortcut(x) + out)


class Zero(nn.Module):
    """A cell's absent edge: zeros shaped like its input (NAS-Bench-201's `none`, which multiplies by 0)."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x.mul(0.0)


class Cell(nn.Module):
    """A directed acyclic cell: node 0 is the input, node j the sum of the edges into it applied to their source
    nodes, the last node the output; `edges` come in the spec's order (1←0), (2←0), (2←1), (3←0), ... The
    wiring is kept as lists of constants, so TorchScript unrolls the loop."""

    def __init__(self, edges: list[nn.Module]) -> None:
        super().__init__()
        self.edges = nn.ModuleList(edges)
        nodes = 1
        while nodes * (nodes - 1) // 2 < len(edges):
            nodes += 1
        wiring = [(j, i) for j in range(1, nodes) for i in range(j)]
        self.sources = [i for _, i in wiring]
        self.opens = [i == 0 for _, i in wiring]
        self.closes = [i == j - 1 for j, i in wiring]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        nodes = [x]
        total = x
        for k, edge in enumerate(self.edges):
            out = edge(nodes[self.sources[k]])
            total = out if self.opens[k] else total + out
            if self.closes[k]:
                nodes.append(total)
        return nodes[-1]


def _conv_bn_act(cin: int, cout: int, kernel: int, stride: int, padding: int, act: str) -> nn.Sequential:
    layers: list[tuple[str, nn.Module]] = [
        ("conv", nn.Conv2d(cin, cout, kernel, stride, padding, bias=False)),
        ("bn", nn.BatchNorm2d(cout)),
    ]
    act_module = activation(act)
    if act_module is not None:
        layers.append(("act", act_module))
    return nn.Sequential(OrderedDict(layers))


class EnetDown(nn.Module):
    """ENet downsampling bottleneck; returns the output and the max-pool indices for the matching EnetUp."""

    def __init__(self, cin: int, cout: int, internal: int, dropout: float, act: str) -> None:
        super().__init__()
        self.pad_channels = cout - cin
        self.pool = nn.MaxPool2d(2, stride=2, return_indices=True)
        self.ext = nn.Sequential(OrderedDict(
            reduce=_conv_bn_act(cin, internal, 2, 2, 0, act),
            conv=_conv_bn_act(internal, internal, 3, 1, 1, act),
            expand=_conv_bn_act(internal, cout, 1, 1, 0, act),
            dropout=nn.Dropout2d(dropout),
        ))
        self.post_act = activation(act) or nn.Identity()

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        main, indices = self.pool(x)
        if self.pad_channels:
            main = F.pad(main, (0, 0, 0, 0, 0, self.pad_channels))
        return self.post_act(main + self.ext(x)), indices


class EnetUp(nn.Module):
    """ENet upsampling bottleneck: unpools with the indices of the matching EnetDown."""

    def __init__(self, cin: int, cout: int, internal: int, dropout: float, act: str) -> None:
        super().__init__()
        self.main = _conv_bn_act(cin, cout, 1, 1, 0, "none")
        self.unpool = nn.MaxUnpool2d(2, stride=2)
        self.ext = nn.Sequential(OrderedDict(
            reduce=_conv_bn_act(cin, internal, 1, 1, 0, act),
            deconv=nn.Sequential(OrderedDict(
                conv=nn.ConvTranspose2d(internal, internal, 2, stride=2, bias=False),
                bn=nn.BatchNorm2d(internal),
                act=activation(act) or nn.Identity(),
            )),
            expand=_conv_bn_act(internal, cout, 1, 1, 0, act),
            dropout=nn.Dropout2d(dropout),
        ))
        self.post_act = activation(act) or nn.Identity()

    def forward(self, x: torch.Tensor, indices: torch.Tensor) -> torch.Tensor:
        main = self.unpool(self.main(x), indices)
        return self.post_act(main + self.ext(x))


class EncoderDecoder(nn.Module):
    """ENet's pairing of a downsampling and an upsampling bottleneck around a body."""

    def __init__(self, down: EnetDown, body: nn.Module, up: EnetUp) -> None:
        super().__init__()
        self.down = down
        self.body = body
        self.up = up

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        inner, indices = self.down(x)
        return self.up(self.body(inner), indices)
