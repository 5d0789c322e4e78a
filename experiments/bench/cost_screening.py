"""How many candidate specs per second nasbox can cost: analytic (from the spec) vs. counting on the module.

The reference is what a tool without an analytic model does: build the module (on the meta device, so no weights
are initialised) and count a forward pass with `torch.utils.flop_counter.FlopCounterMode`. Candidates are the
zoo networks and random-width variants of them (every width scaled by its own factor in [0.5, 1.5]). Both run on
one core, over the same candidates (the module count over as many, drawn at random, as its time allows). The
analytic side costs freshly decoded specs cold (nothing remembered) and warm (again), median of several passes;
every reference count is checked against the analytic one.

    python experiments/bench/cost_screening.py [--variants 40] [--passes 5] [--seconds 20] [--seed 0]
"""

from __future__ import annotations

import argparse
import random
import statistics
import time

import torch
from torch.utils.flop_counter import FlopCounterMode

import nasbox
from nasbox import zoo
from nasbox.arch import ArchSpec
from nasbox.arch.layers import forget_expansions
from nasbox.arch.transform import map_widths
from nasbox.errors import SpecError


def candidates(variants: int, seed: int) -> list[ArchSpec]:
    """The zoo networks, then up to `variants` valid random-width variants of each."""
    rng = random.Random(seed)
    originals = [zoo.get(name) for name in zoo.names()]
    specs = list(originals)
    for spec in originals:
        for _ in range(variants):
            variant = map_widths(spec, lambda c: max(1, round(c * rng.uniform(0.5, 1.5))))
            try:
                specs.append(variant.validate())
            except SpecError:
                continue
    return specs


def analytic_rates(specs: list[ArchSpec]) -> tuple[float, float]:
    """Specs per second of `nasbox.cost` over fresh copies of `specs`: cold (nothing remembered, as a new process
    sees them) and warm (the same objects again, block expansions and conv geometry remembered, as when a sampler
    meets blocks it has met before)."""
    fresh = [ArchSpec.from_dict(spec.to_dict()) for spec in specs]
    forget_expansions()
    rates = []
    for _ in range(2):
        start = time.perf_counter()
        for spec in fresh:
            nasbox.cost(spec)
        rates.append(len(fresh) / (time.perf_counter() - start))
    return rates[0], rates[1]


def counted_on_module(spec: ArchSpec) -> int:
    with torch.device("meta"):
        module = nasbox.build(spec).eval()
        x = torch.empty(1, *spec.input)
    with FlopCounterMode(display=False) as counter, torch.no_grad():
        module(x)
    return counter.get_total_flops() // 2


def module_rate(specs: list[ArchSpec], seconds: float, seed: int) -> tuple[float, int, list[str]]:
    """Specs per second of counting on the module over candidates drawn in random order for `seconds`, with the
    names of those whose count differs from the analytic one."""
    order = random.Random(seed).sample(specs, len(specs))
    mismatches, done, start = [], 0, time.perf_counter()
    for spec in order:
        if counted_on_module(spec) != nasbox.cost(spec).macs:
            mismatches.append(spec.name)
        done += 1
        if time.perf_counter() - start >= seconds:
            break
    return done / (time.perf_counter() - start), done, mismatches


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--variants", type=int, default=40, help="random-width variants per zoo network")
    parser.add_argument("--passes", type=int, default=5, help="analytic passes over all candidates")
    parser.add_argument("--seconds", type=float, default=20.0, help="minimum time for the module count")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    torch.set_num_threads(1)

    specs = candidates(args.variants, args.seed)
    passes = [analytic_rates(specs) for _ in range(args.passes)]
    cold = statistics.median(p[0] for p in passes)
    warm = statistics.median(p[1] for p in passes)
    module, counted, mismatches = module_rate(specs, args.seconds, args.seed)
    print(f"candidates: {len(specs)} ({len(zoo.names())} zoo networks + random-width variants), one core")
    print(f"analytic cost, cold:       {cold:10.1f} specs/s (median of {args.passes} passes)")
    print(f"analytic cost, warm:       {warm:10.1f} specs/s")
    print(f"FlopCounterMode on module: {module:10.1f} specs/s ({counted} counted in random order, meta device)")
    print(f"ratio analytic (cold) / module: {cold / module:8.1f}x")
    print(f"MAC mismatches among the counted: {len(mismatches)} {mismatches if mismatches else ''}".rstrip())

if __name__ == "__main__":
    main()
