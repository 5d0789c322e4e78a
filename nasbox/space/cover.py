"""The networks of a space that its latency table is measured on, and those it is checked against.

The entries of a space are the distinct (primitive, configuration, input shape) that its networks execute at the
target shape. Enumerating them exactly means enumerating the space, which is astronomically large for spaces like
`inception_resnet`; the set itself is not (a few thousand: widths, kernels and strides repeat). A table therefore
covers the entries of `samples` networks drawn uniformly from the space with a seeded RNG, plus the zoo networks
that are points of it; the first `fit_networks` of the drawn ones fit its overhead. Entries grow like a saturating
curve in the number of networks: at the default 2000 networks the cover holds 91% of the distinct entries of
`mobilenet` (4164 of the 4573 that 20000 networks use) and all but 4 of `inception_resnet`'s 1788. The entries it
lacks are rare ones: of networks drawn later, about 80% of `mobilenet`'s and 98% of `inception_resnet`'s are
covered entirely, and the rest have an entry or two estimated from their family (see `nasbox.cost.latency.table`).

The networks that check a table are drawn with an RNG seeded apart from the cover's (`check-<seed>`), so the same
seed never checks a table on its own cover or fit networks.
"""

from __future__ import annotations

import random

from nasbox.arch.spec import ArchSpec
from nasbox.cost.latency import Cover
from nasbox.errors import NasboxError
from nasbox.space.space import Space

SAMPLES = 2000
FIT_NETWORKS = 16


def table_cover(space: Space, samples: int = SAMPLES, seed: int = 0, fit_networks: int = FIT_NETWORKS) -> Cover:
    """The cover of `space` that `nasbox.cost.latency.build_table` measures: its zoo points and `samples` networks
    drawn from a seeded RNG, the first `fit_networks` of which fit the overhead."""
    from nasbox import zoo

    if samples < 1:
        raise NasboxError(f"--samples: {samples} is not a positive count of networks; give --samples 1 or more")
    if fit_networks < 2:
        raise NasboxError(f"--fit-networks: {fit_networks} is too few to fit the overhead; give 2 or more")
    rng = random.Random(seed)
    zoo_points = [zoo.get(name) for name in space.contains]
    sampled = [space.sample(rng)[1] for _ in range(samples)]
    return Cover(space=space.name, networks=(*zoo_points, *sampled), fit=tuple(sampled[:fit_networks]),
                 notes={"samples": samples, "seed": seed, "zoo": [spec.name for spec in zoo_points]})


def check_networks(space: Space, n: int, seed: int = 0) -> list[ArchSpec]:
    """`n` networks of `space` to check its table on, drawn apart from the table's cover."""
    rng = random.Random(f"check-{seed}")
    return [space.sample(rng)[1] for _ in range(n)]
