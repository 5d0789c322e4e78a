"""Which proxy recipe lets every baseline of the default run learn: the zoo networks within 600M MACs at the
`inception_resnet` target shape, trained as the default search trains them (built-in MNIST, default split), under
each recipe, with a few seeds; prints validation accuracy per network and recipe, and marks chance-level results
with the same test the front uses (three binomial standard deviations above chance).

The recipes are the default one with the networks' own normalisation ("as designed"), that one with a learning-rate
warm-up, gradient clipping or AdamW, and the default one with batch norm added after every conv that has none.

    python experiments/bench/baseline_recipes.py [--seeds 2] [--threads 1]
"""

from __future__ import annotations

import argparse
import statistics

import torch

from nasbox import zoo
from nasbox.cost import cost
from nasbox.proxy import ProxyConfig, evaluate
from nasbox.search import make_config
from nasbox.search.baselines import retarget
from nasbox.search.data import load_proxy_data
from nasbox.search.front import learned
from nasbox.space import load_space

SPACE, BUDGET = "inception_resnet", 600e6
RECIPES = {
    "as designed": ProxyConfig(batch_norm="as-designed"),
    "as designed, warm-up 0.5": ProxyConfig(batch_norm="as-designed", warmup_epochs=0.5),
    "as designed, clip 1": ProxyConfig(batch_norm="as-designed", clip_norm=1.0),
    "as designed, AdamW": ProxyConfig(batch_norm="as-designed", optimizer="adamw"),
    "batch norm added (default)": ProxyConfig(),
    "batch norm added, warm-up 0.5": ProxyConfig(warmup_epochs=0.5),
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=2)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    space = load_space(SPACE)
    data = load_proxy_data(make_config({"space": SPACE, "device": "cpu"}))
    chance, scored_on = 1 / data.num_classes, len(data.val_labels)
    networks = {name: spec for name in zoo.names()
                if (spec := retarget(zoo.get(name), space.input, space.num_classes)) is not None
                and cost(spec).macs <= BUDGET}
    print(f"validation accuracy, mean of {args.seeds} seed(s) (min–max); '*' = did not learn (≤ chance + 3 sd)")
    print(f"{'recipe':<31}" + "".join(f"{name:>22}" for name in networks))
    for label, recipe in RECIPES.items():
        cells = []
        for spec in networks.values():
            scores = [evaluate(spec, recipe, data, seed=seed).accuracy for seed in range(args.seeds)]
            mark = "" if all(learned(s, chance, scored_on) for s in scores) else "*"
            cells.append(f"{statistics.fmean(scores):.3f} ({min(scores):.3f}–{max(scores):.3f}){mark}")
        print(f"{label:<31}" + "".join(f"{cell:>22}" for cell in cells), flush=True)


if __name__ == "__main__":
    main()
