"""The bridge between NAS-Bench-201's notation and the `nb201` search space: an edge gene per edge of the cell,
named `edge_<target>_<source>`, whose values are the benchmark's op names. So a trial's genes, a spec of the
space and an arch string name the same cell, and each turns into the others."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from nasbox.errors import NasboxError
from nasbox.nb201.arch import EDGES, OPS, arch_index, format_arch, parse_arch

if TYPE_CHECKING:
    from nasbox.arch.spec import ArchSpec

SPACE = "nb201"
GENES = tuple(f"edge_{target}_{source}" for target, source in EDGES)
ARCH_FIELD = "nb201_arch"


def is_nb201(space: str | None) -> bool:
    """Whether `space` (a name or a path) is NAS-Bench-201's space, whose networks carry an arch string."""
    return space is not None and (space == SPACE or space.replace("\\", "/").endswith(f"/{SPACE}.yaml"))


def genes_of(arch: str) -> dict[str, str]:
    """The nb201 space's genes of the cell `arch`."""
    return {gene: OPS[op] for gene, op in zip(GENES, parse_arch(arch), strict=True)}


def arch_of_genes(genes: Mapping[str, Any]) -> str:
    """The arch string of a trial's genes in the nb201 space."""
    missing = [gene for gene in GENES if gene not in genes]
    if missing:
        raise NasboxError(f"genes {dict(genes)} lack {', '.join(missing)}: they are not of the nb201 space")
    try:
        return format_arch([OPS.index(genes[gene]) for gene in GENES])
    except ValueError:
        raise NasboxError(f"genes {dict(genes)} are not of the nb201 space: its edge genes take "
                          f"{', '.join(OPS)}") from None


def arch_fields(genes: Mapping[str, Any] | None) -> dict[str, str]:
    """`{"nb201_arch": arch string}` for genes of the nb201 space, so that its samples, trials, front rows and
    exports name the benchmark's cell; empty for any other space's genes."""
    if genes is None or set(genes) != set(GENES) or not all(genes[gene] in OPS for gene in GENES):
        return {}
    return {ARCH_FIELD: arch_of_genes(genes)}


def spec_of(arch: str) -> ArchSpec:
    """NAS-Bench-201's CIFAR network with the cell `arch` in all 15 positions."""
    from nasbox.space import load_space

    spec = load_space(SPACE).render(genes_of(arch))
    return spec.replace(name=f"nb201-{arch_index(parse_arch(arch))}")


def arch_of_spec(spec: ArchSpec) -> str:
    """The arch string of a spec that is a point of the nb201 space; an error naming why otherwise."""
    from nasbox.space import load_space

    return arch_of_genes(load_space(SPACE).encode(spec))

