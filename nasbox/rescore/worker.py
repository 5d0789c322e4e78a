"""Training a rescore's jobs: each worker takes every `jobs`-th network of the plan and trains its missing seeds
(so one network's seeds, and its kept weights, are one worker's); `python -m nasbox.rescore.worker` is the process
`rescore` starts, nasbox's own program, never the caller's script."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from pathlib import Path

from nasbox.evaluators import ProxyTraining
from nasbox.jobs import read_records, record_path, train_and_score, training_seed, worker_arguments, write_record
from nasbox.rescore.plan import PLAN, Plan, read_plan
from nasbox.rescore.records import keep_if_best
from nasbox.search.rundir import RunDir

SEED_TAG = "rescore"


def run_jobs(run_dir: Path, recipe_folder: Path, index: int, jobs: int) -> int:
    """Train this worker's share of the plan's missing records; returns how many it trained."""
    from nasbox.arch.spec import ArchSpec
    from nasbox.search.data import load_held_out, load_proxy_data

    plan: Plan = read_plan(recipe_folder / PLAN)
    config = dataclasses.replace(RunDir(run_dir).invocation(), proxy=plan.recipe)
    mine = plan.members[index::jobs]
    todo = [(m, s) for m in mine for s in range(plan.seeds) if not record_path(recipe_folder, m.key, s).exists()]
    if not todo:
        return 0
    data = load_proxy_data(config)
    held_out = load_held_out(config, data)
    evaluator = ProxyTraining(plan.recipe, data)
    for member, seed in todo:
        record = {"key": member.key, "seed": seed,
                  "training_seed": training_seed(SEED_TAG, config.seed, member.spec, seed)}
        figures, state = train_and_score(ArchSpec.from_dict(member.spec), evaluator, held_out,
                                         record["training_seed"])
        record.update(figures)
        if state is not None:
            finished = [r for r in read_records(recipe_folder) if "val_accuracy" in r]
            keep_if_best(recipe_folder, member.key, seed, figures["val_accuracy"], state, finished)
        write_record(recipe_folder, member.key, seed, record)
    return len(todo)


def main(argv: Sequence[str] | None = None) -> None:
    """Entry point of a rescore worker process."""
    args = worker_arguments("python -m nasbox.rescore.worker", ["run_dir", "recipe_folder"], argv)
    run_jobs(Path(args.run_dir), Path(args.recipe_folder), args.index, args.jobs)


if __name__ == "__main__":
    main()
