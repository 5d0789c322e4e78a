"""Training a fidelity measurement's jobs: each worker takes every `jobs`-th training of the plan that has no record
yet, and prepares the data once per recipe it meets (the proxy and the reference may differ in resolution);
`python -m nasbox.fidelity.worker` is the process `measure_fidelity` starts."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from nasbox.evaluators import ProxyTraining
from nasbox.fidelity.plan import FidelityPlan, read_plan
from nasbox.jobs import record_path, train_and_score, training_seed, worker_arguments, write_record

if TYPE_CHECKING:
    from nasbox.data import ImageDataset
    from nasbox.proxy import HeldOut, ProxyData

SEED_TAG = "fidelity"


def run_jobs(folder: Path, index: int, jobs: int) -> int:
    """Train this worker's share of the plan's missing records; returns how many it trained."""
    from nasbox.arch.spec import ArchSpec
    from nasbox.data import load_dataset

    plan = read_plan(folder)
    todo = [j for j in plan.jobs()[index::jobs] if not record_path(folder, j.key, j.seed).exists()]
    if not todo:
        return 0
    dataset = load_dataset(plan.config.dataset, plan.config.data_dir)
    prepared: dict[str, tuple[ProxyData, HeldOut]] = {}
    for job in todo:
        if job.recipe not in prepared:
            prepared[job.recipe] = _data(plan, job.recipe, dataset)
        data, held_out = prepared[job.recipe]
        seed = training_seed(f"{SEED_TAG}-{job.recipe}", plan.config.seed, job.network.spec, job.seed)
        evaluator = ProxyTraining(plan.recipe(job.recipe), data)
        figures, _ = train_and_score(ArchSpec.from_dict(job.network.spec), evaluator, held_out, seed)
        write_record(folder, job.key, job.seed, {"network": job.network.key, "recipe": job.recipe, "seed": job.seed,
                                                 "training_seed": seed, **figures})
    return len(todo)


def _data(plan: FidelityPlan, recipe: str, dataset: ImageDataset) -> tuple[ProxyData, HeldOut]:
    """The plan's data split at the recipe's resolution, and its held-out test part."""
    from nasbox.search.data import load_held_out, load_proxy_data

    config = dataclasses.replace(plan.config, proxy=plan.recipe(recipe))
    data = load_proxy_data(config, dataset)
    return data, load_held_out(config, data, dataset)


def main(argv: Sequence[str] | None = None) -> None:
    """Entry point of a fidelity worker process."""
    args = worker_arguments("python -m nasbox.fidelity.worker", ["folder"], argv)
    run_jobs(Path(args.folder), args.index, args.jobs)


if __name__ == "__main__":
    main()
