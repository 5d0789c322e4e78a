"""NAS-Bench-201 cells: the arch string, its six op indices, the index that orders the table, and connectivity.

A cell has four nodes: node 0 is the cell's input, node 3 its output, and each node sums one op applied to every
earlier node. The arch string lists the ops node by node, `|op~0|+|op~0|op~1|+|op~0|op~1|op~2|`, where `op~j`
is the op on the edge from node j; `EDGES` names the six edges in that order.
"""

from __future__ import annotations

import operator
from collections.abc import Sequence

from nasbox.errors import NasboxError

OPS = ("none", "skip_connect", "nor_conv_1x1", "nor_conv_3x3", "avg_pool_3x3")
EDGES = ((1, 0), (2, 0), (2, 1), (3, 0), (3, 1), (3, 2))  # (target node, source node), in the arch string's order
FORM = "|op~0|+|op~0|op~1|+|op~0|op~1|op~2|"
CELLS = len(OPS) ** len(EDGES)  # 15,625
_OP_LIST = f"{', '.join(OPS[:-1])} or {OPS[-1]}"


def parse_arch(text: str) -> tuple[int, ...]:
    """The six op indices (into `OPS`, in `EDGES` order) of an arch string; strict, so that a typo is an error
    naming what is wrong rather than a different cell."""
    nodes = text.split("+")
    if len(nodes) != 3:
        raise _malformed(text, f"it has {len(nodes)} node{'s' * (len(nodes) != 1)} joined by '+', a cell has 3")
    ops = []
    for target, node in enumerate(nodes, start=1):
        if len(node) < 2 or node[0] != "|" or node[-1] != "|":
            raise _malformed(text, f"node {target} {node!r} does not start and end with '|'")
        edges = node[1:-1].split("|")
        if len(edges) != target:
            raise _malformed(text, f"node {target} has {len(edges)} input{'s' * (len(edges) != 1)}, it takes {target}")
        for source, edge in enumerate(edges):
            op, tilde, origin = edge.rpartition("~")
            if not tilde or origin != str(source):
                raise _malformed(text, f"node {target}'s input {edge!r} should read op~{source}")
            if op not in OPS:
                raise NasboxError(f"arch {text!r}: {op!r} is not a NAS-Bench-201 op; use {_OP_LIST}")
            ops.append(OPS.index(op))
    return tuple(ops)


def format_arch(ops: Sequence[int]) -> str:
    """The arch string of six op indices (the inverse of `parse_arch`)."""
    names = [OPS[i] for i in check_ops(ops)]
    return f"|{names[0]}~0|+|{names[1]}~0|{names[2]}~1|+|{names[3]}~0|{names[4]}~1|{names[5]}~2|"


def arch_index(ops: Sequence[int]) -> int:
    """The cell's row in the table: its six op indices read as a base-5 number, first edge most significant
    (so the all-`none` cell is 0 and the all-`avg_pool_3x3` cell is 15,624)."""
    index = 0
    for op in check_ops(ops):
        index = index * len(OPS) + op
    return index


def index_ops(index: int) -> tuple[int, ...]:
    """The six op indices of the cell at row `index` (the inverse of `arch_index`)."""
    index = operator.index(index)
    if not 0 <= index < CELLS:
        raise NasboxError(f"cell index {index}: NAS-Bench-201 has cells 0 to {CELLS - 1}")
    digits = []
    for _ in EDGES:
        index, op = divmod(index, len(OPS))
        digits.append(op)
    return tuple(reversed(digits))


def connected(ops: Sequence[int]) -> bool:
    """Whether the output (node 3) is reachable from the input (node 0) through edges other than `none`; the
    disconnected cells output zeros, so they score chance in the table."""
    reached = {0}
    for (target, source), op in zip(EDGES, check_ops(ops), strict=True):
        if op != 0 and source in reached:
            reached.add(target)
    return 3 in reached


def check_ops(ops: Sequence[int]) -> tuple[int, ...]:
    """`ops` as a tuple of six op indices, or a NasboxError saying what a cell's op indices are."""
    try:
        values = tuple(operator.index(op) for op in ops)
    except TypeError:
        values = ()
    if len(values) != len(EDGES) or not all(0 <= op < len(OPS) for op in values):
        raise NasboxError(f"ops {ops!r}: a NAS-Bench-201 cell has {len(EDGES)} op indices, each 0 to "
                          f"{len(OPS) - 1} ({', '.join(f'{i} {name}' for i, name in enumerate(OPS))}), one per edge "
                          f"in the order of {FORM}")
    return values


def _malformed(text: str, problem: str) -> NasboxError:
    return NasboxError(f"arch {text!r}: {problem}; expected the form {FORM} with ops {_OP_LIST}")
