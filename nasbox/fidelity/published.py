"""A reference that nobody here trained: NAS-Bench-201's published 200-epoch accuracies. `--reference
nb201:cifar10` (or `cifar100`, `imagenet16`) measures a proxy against the mean of the benchmark's training seeds
on the cells drawn, with the benchmark's own seed-to-seed agreement on those cells as the ceiling."""

from __future__ import annotations

import random
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from nasbox.errors import NasboxError

PREFIX = "nb201:"
TOP_SHARE = 0.1  # the share the NAS-Bench-201 literature quotes


@dataclass(frozen=True)
class PublishedReference:
    """The published accuracy on `dataset` of NAS-Bench-201's cells (mean over its training seeds, as a share)."""

    dataset: str

    @property
    def name(self) -> str:
        return f"{PREFIX}{self.dataset}"

    def to_dict(self) -> dict[str, Any]:
        return {"published": self.name}

    def describe(self) -> str:
        split = "cifar10-valid split" if self.dataset == "cifar10" else "test split"
        return f"NAS-Bench-201's published 200-epoch accuracy on {self.dataset} ({split}), mean of its seeds"

    def accuracy(self, genes: Mapping[str, Any]) -> float:
        """The published mean accuracy of the cell whose nb201 genes are `genes`, as a share (0–1)."""
        from nasbox.nb201 import lookup
        from nasbox.nb201.space import arch_of_genes

        return lookup(arch_of_genes(genes)).mean_accuracy[self.dataset] / 100

    def seeds(self, genes: Mapping[str, Any]) -> tuple[float, float]:
        """The published accuracies of training seeds 0 and 1 (every cell has both), as shares."""
        from nasbox.nb201 import lookup
        from nasbox.nb201.space import arch_of_genes

        first, second = lookup(arch_of_genes(genes)).accuracy[self.dataset][:2]
        return first / 100, second / 100


def parse_reference(text: str, space: str) -> PublishedReference:
    """`nb201:DATASET`, checked against the table and the space; one line naming the fix otherwise."""
    from nasbox.nb201.space import is_nb201
    from nasbox.nb201.table import check_dataset

    if not text.startswith(PREFIX):
        raise NasboxError(f"--reference {text!r}: give a published table as nb201:cifar10, nb201:cifar100 or "
                          "nb201:imagenet16 (or drop it and set --reference-epochs for a trained reference)")
    if not is_nb201(space):
        raise NasboxError(f"--reference {text}: the table holds NAS-Bench-201's cells only; add --space nb201")
    return PublishedReference(check_dataset(text[len(PREFIX):]))


def draw_cells(seed: int, count: int) -> list[str]:
    """`count` distinct arch strings drawn uniformly from the 15,625 cells; a larger count extends a smaller one's
    draw (a seeded permutation, taken from its start)."""
    from nasbox.nb201.arch import CELLS, format_arch, index_ops

    if count > CELLS:
        raise NasboxError(f"-n {count}: NAS-Bench-201 has {CELLS:,} cells; give -n {CELLS} or fewer")
    order = list(range(CELLS))
    random.Random(seed).shuffle(order)
    return [format_arch(index_ops(index)) for index in order[:count]]

