"""The helper functions and modules a generated file defines, each written out only when the network uses it.

They build exactly what `nasbox.build` builds (same module tree, same ops in the same order), so an exported
network's state_dict and outputs are those of the built one.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Helper:
    """Source of one definition, the definitions it calls and the imports it needs."""

    text: str
    needs: tuple[str, ...] = ()
    imports: tuple[str, ...] = ()


SIZE = '''Size = int | tuple[int, int]'''

SEQUENTIAL = '''def sequential(**parts: nn.Module | None) -> nn.Sequential:
    """The modules given, in order and under their names, leaving out those that are None."""
    return nn.Sequential(OrderedDict((name, part) for name, part in parts.items() if part is not None))'''

CONV_BN_ACT = '''def conv_bn_act(in_channels: int, out_channels: int, kernel: Size, stride: Size = 1, padding: Size = 0,
                dilation: Size = 1, groups: int = 1, bias: bool = False, bn: bool = True,
                act: nn.Module | None = None) -> nn.Sequential:
    """A convolution, then batch norm and the activation when given: the `conv`, `bn` and `act` of a conv layer."""
    return sequential(conv=nn.Conv2d(in_channels, out_channels, kernel, stride, padding, dilation, groups, bias=bias),
                      bn=nn.BatchNorm2d(out_channels) if bn else None, act=act)'''

PRE_ACTIVATION = '''class PreActivation(nn.Sequential):
    """`bn`, `act`, then `conv`. A class of its own: TorchScript compiles two Sequentials whose children have the
    same names and kinds as one type whatever their order, and would run a pre-activation as conv, bn, act."""'''

BN_ACT_CONV = '''def bn_act_conv(in_channels: int, out_channels: int, kernel: Size, stride: Size = 1, padding: Size = 0,
                dilation: Size = 1, groups: int = 1, bias: bool = False, bn: bool = True,
                act: nn.Module | None = None) -> nn.Sequential:
    """A pre-activation convolution: batch norm and the activation when given, then the convolution."""
    parts = {"bn": nn.BatchNorm2d(in_channels) if bn else None, "act": act,
             "conv": nn.Conv2d(in_channels, out_channels, kernel, stride, padding, dilation, groups, bias=bias)}
    return PreActivation(OrderedDict((name, part) for name, part in parts.items() if part is not None))'''

DECONV_BN_ACT = '''def deconv_bn_act(in_channels: int, out_channels: int, kernel: Size, stride: Size = 1,
                  padding: Size = 0, output_padding: Size = 0, bias: bool = False, bn: bool = True,
                  act: nn.Module | None = None) -> nn.Sequential:
    """A transposed convolution, then batch norm and the activation when given."""
    return sequential(conv=nn.ConvTranspose2d(in_channels, out_channels, kernel, stride, padding, output_padding,
                                              bias=bias),
                      bn=nn.BatchNorm2d(out_channels) if bn else None, act=act)'''

LINEAR_ACT = '''def linear_act(in_features: int, out_features: int, bias: bool = True,
               act: nn.Module | None = None) -> nn.Sequential:
    """A fully connected layer (`fc`), then the activation when given."""
    return sequential(fc=nn.Linear(in_features, out_features, bias=bias), act=act)'''

GLOBAL_AVG_POOL = '''class GlobalAvgPool(nn.Module):
    """The mean of every channel: (N, C, H, W) -> (N, C)."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x.mean(dim=(2, 3))'''

GLOBAL_MAX_POOL = '''class GlobalMaxPool(nn.Module):
    """The maximum of every channel: (N, C, H, W) -> (N, C)."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x.amax(dim=(2, 3))'''

CONCAT = '''class Concat(nn.Module):
    """Parallel branches on the same input, concatenated along channels; an empty branch passes the input on."""

    def __init__(self, *branches: nn.Module) -> None:
        super().__init__()
        self.branches = nn.ModuleList(branches)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.cat([branch(x) for branch in self.branches], dim=1)'''

RESIDUAL = '''class Residual(nn.Module):
    """post_act(shortcut(x) + scale * body(x)); the shortcut is the identity, a strided 1x1 projection or the
    layers given."""

    def __init__(self, body: nn.Module, shortcut: nn.Module | None = None, scale: float = 1.0,
                 post_act: nn.Module | None = None) -> None:
        super().__init__()
        self.body = body
        self.shortcut = shortcut if shortcut is not None else nn.Identity()
        self.scale = scale
        self.post_act = post_act if post_act is not None else nn.Identity()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.body(x)
        if self.scale != 1.0:
            out = out * self.scale
        return self.post_act(self.shortcut(x) + out)'''

ZERO = '''class Zero(nn.Module):
    """A cell's absent edge: zeros shaped like its input."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x.mul(0.0)'''

CELL = '''class Cell(nn.Module):
    """A directed acyclic cell: node 0 is the input, node j the sum of the edges into it applied to their source
    nodes, the last node the output; the edges come ordered (1<-0), (2<-0), (2<-1), (3<-0), (3<-1), (3<-2), ..."""

    def __init__(self, *edges: nn.Module) -> None:
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
        return nodes[-1]'''

ENET_DOWN = '''class EnetDown(nn.Module):
    """ENet's downsampling bottleneck: a 2x2 max pool, its channels zero-padded to `out_channels`, beside a conv
    branch. Returns the output and the pooling indices, which the matching EnetUp unpools."""

    def __init__(self, in_channels: int, out_channels: int, internal: int, dropout: float,
                 act: type[nn.Module] = nn.PReLU) -> None:
        super().__init__()
        self.pad_channels = out_channels - in_channels
        self.pool = nn.MaxPool2d(2, stride=2, return_indices=True)
        self.ext = nn.Sequential(OrderedDict(
            reduce=conv_bn_act(in_channels, internal, 2, stride=2, act=act()),
            conv=conv_bn_act(internal, internal, 3, padding=1, act=act()),
            expand=conv_bn_act(internal, out_channels, 1, act=act()),
            dropout=nn.Dropout2d(dropout),
        ))
        self.post_act = act()

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        main, indices = self.pool(x)
        if self.pad_channels > 0:
            main = F.pad(main, (0, 0, 0, 0, 0, self.pad_channels))
        return self.post_act(main + self.ext(x)), indices'''

ENET_UP = '''class EnetUp(nn.Module):
    """ENet's upsampling bottleneck: a 1x1 conv unpooled with the indices of the matching EnetDown, beside a
    transposed-conv branch."""

    def __init__(self, in_channels: int, out_channels: int, internal: int, dropout: float,
                 act: type[nn.Module] = nn.PReLU) -> None:
        super().__init__()
        self.main = conv_bn_act(in_channels, out_channels, 1)
        self.ext = nn.Sequential(OrderedDict(
            reduce=conv_bn_act(in_channels, internal, 1, act=act()),
            deconv=deconv_bn_act(internal, internal, 2, stride=2, act=act()),
            expand=conv_bn_act(internal, out_channels, 1, act=act()),
            dropout=nn.Dropout2d(dropout),
        ))
        self.post_act = act()

    def forward(self, x: torch.Tensor, indices: torch.Tensor) -> torch.Tensor:
        # F.max_unpool2d rather than nn.MaxUnpool2d, which torch.jit.script cannot compile
        main = F.max_unpool2d(self.main(x), indices, (2, 2), (2, 2), (0, 0))
        return self.post_act(main + self.ext(x))'''

ENCODER_DECODER = '''class EncoderDecoder(nn.Module):
    """ENet's pairing: a downsampling bottleneck, a body, and the upsampling bottleneck that unpools with the
    downsampling's indices."""

    def __init__(self, down: EnetDown, body: nn.Module, up: EnetUp) -> None:
        super().__init__()
        self.down = down
        self.body = body
        self.up = up

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        inner, indices = self.down(x)
        return self.up(self.body(inner), indices)'''

# in the order a file defines them: every helper after those it needs
HELPERS: dict[str, Helper] = {
    "Size": Helper(SIZE),
    "sequential": Helper(SEQUENTIAL, (), ("OrderedDict",)),
    "conv_bn_act": Helper(CONV_BN_ACT, ("Size", "sequential")),
    "PreActivation": Helper(PRE_ACTIVATION),
    "bn_act_conv": Helper(BN_ACT_CONV, ("Size", "PreActivation"), ("OrderedDict",)),
    "deconv_bn_act": Helper(DECONV_BN_ACT, ("Size", "sequential")),
    "linear_act": Helper(LINEAR_ACT, ("sequential",)),
    "GlobalAvgPool": Helper(GLOBAL_AVG_POOL),
    "GlobalMaxPool": Helper(GLOBAL_MAX_POOL),
    "Concat": Helper(CONCAT),
    "Residual": Helper(RESIDUAL),
    "Zero": Helper(ZERO),
    "Cell": Helper(CELL),
    "EnetDown": Helper(ENET_DOWN, ("conv_bn_act",), ("OrderedDict", "F")),
    "EnetUp": Helper(ENET_UP, ("conv_bn_act", "deconv_bn_act"), ("OrderedDict", "F")),
    "EncoderDecoder": Helper(ENCODER_DECODER, ("EnetDown", "EnetUp")),
}

IMPORTS = {
    "OrderedDict": "from collections import OrderedDict",
    "F": "from torch.nn import functional as F",
}


def closure(used: set[str]) -> list[str]:
    """The helpers `used` needs, with everything they need in turn, in definition order."""
    wanted = set()
    pending = list(used)
    while pending:
        name = pending.pop()
        if name not in wanted:
            wanted.add(name)
            pending.extend(HELPERS[name].needs)
    return [name for name in HELPERS if name in wanted]
