"""How many candidate specs per second nasbox can cost: analytic (from the spec) vs. counting on the module.

The reference is what a tool without an analytic model does: build the module (on the meta device, so no weights
are initialised) and count a forward pass with `torch.utils.flop_counter.FlopCounterMode`. Candidates are the
zoo networks and random-width variants of them (every width scaled by its own factor in [0.5, 1.5]). Both run on
one core over the same candidates; every reference count is checked against the analytic one.

    python experiments/bench/cost_screening.py [--variants 4] [--seconds 10] [--seed 0]
"""

from __future__ import annotations

import argparse
import itertools
import random
import time

import torch
from torch.utils.flop_counter import FlopCounterMode

import nasbox
from nasbox import zoo
from nasbox.arch import ArchSpec
from nasbox.arch.transform import map_widths
from nasbox.errors import SpecError


def candidates(variants: int, seed: int) -> list[ArchSpec]:
    """The zoo plus up to `variants` valid random-width variants of each network."""
    rng = random.Random(seed)
    specs = []
    for name in zoo.names():
        spec = zoo.get(name)
        specs.append(spec)
        for _ in range(variants):
            variant = map_widths(spec, lambda c: max(1, round(c * rng.uniform(0.5, 1.5))))
            try:
                specs.append(variant.validate())
            except SpecError:
                continue
    return specs


def counted_on_module(spec: ArchSpec) -> int:
    with torch.device("meta"):
        module = nasbox.build(spec).eval()
        x = torch.empty(1, *spec.input)
    with FlopCounterMode(display=False) as counter, torch.no_grad():
        module(x)
    return counter.get_total_flops() // 2


def rate(fn, specs: list[ArchSpec], seconds: float) -> tuple[float, int]:
    """Specs per second of `fn` cycling over `specs` for at least `seconds` (and at least one full pass)."""
    done, start = 0, time.perf_counter()
    for spec in itertools.chain(specs, itertools.cycle(specs)):
        fn(spec)
        done += 1
        if done >= len(specs) and time.perf_counter() - start >= seconds:
            break
    return done / (time.perf_counter() - start), done


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--variants", type=int, default=4, help="random-width variants per zoo network")
    parser.add_argument("--seconds", type=float, default=10.0, help="minimum time per method")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    torch.set_num_threads(1)

    specs = candidates(args.variants, args.seed)
    mismatches = [s.name for s in specs if counted_on_module(s) != nasbox.cost(s).macs]
    analytic, n_analytic = rate(nasbox.cost, specs, args.seconds)
    module, n_module = rate(counted_on_module, specs, args.seconds)
    print(f"candidates: {len(specs)} ({len(zoo.names())} zoo networks + random-width variants), one core")
    print(f"analytic cost:            {analytic:10.1f} specs/s ({n_analytic} costed)")
    print(f"FlopCounterMode on module:{module:10.1f} specs/s ({n_module} counted, meta device)")
    print(f"ratio analytic / module:  {analytic / module:10.1f}x")
    print(f"MAC mismatches: {len(mismatches)} {mismatches if mismatches else ''}".rstrip())


if __name__ == "__main__":
    main()
