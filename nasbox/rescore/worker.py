"""Training a rescore's jobs: each worker takes every `jobs`-th network of the plan and trains its missing seeds
(so one network's seeds, and its kept weights, are one worker's); `python -m nasbox.rescore.worker` is the process
`rescore` starts, nasbox's own program, never the caller's script."""

from __future__ import annotations

import argparse
import dataclasses
import signal
import time
from collections.abc import Sequence
from pathlib import Path

from nasbox.rescore.plan import PLAN, Plan, read_plan
from nasbox.rescore.records import keep_if_best, read_records, record_path, training_seed, write_record
from nasbox.search.rundir import RunDir


def run_jobs(run_dir: Path, recipe_folder: Path, index: int, jobs: int) -> int:
    """Train this worker's share of the plan's missing records; returns how many it trained."""
    from nasbox.arch.spec import ArchSpec
    from nasbox.proxy import TrialFailed, evaluate, held_out_accuracy
    from nasbox.search.data import load_held_out, load_proxy_data

    plan: Plan = read_plan(recipe_folder / PLAN)
    config = dataclasses.replace(RunDir(run_dir).invocation(), proxy=plan.recipe)
    mine = plan.members[index::jobs]
    todo = [(m, s) for m in mine for s in range(plan.seeds) if not record_path(recipe_folder, m.key, s).exists()]
    if not todo:
        return 0
    data = load_proxy_data(config)
    held_out = load_held_out(config, data)
    for member, seed in todo:
        spec = ArchSpec.from_dict(member.spec)
        started = time.perf_counter()
        record = {"key": member.key, "seed": seed, "training_seed": training_seed(config.seed, member.spec, seed)}
        try:
            result = evaluate(spec, plan.recipe, data, seed=record["training_seed"], keep_state=True)
        except TrialFailed as exc:
            record.update(failed=str(exc), seconds=round(time.perf_counter() - started, 3))
        else:
            test = held_out_accuracy(spec, plan.recipe, data, held_out, result.state)
            record.update(val_accuracy=result.accuracy, test_accuracy=test,
                          seconds=round(time.perf_counter() - started, 3))
            finished = [r for r in read_records(recipe_folder) if "val_accuracy" in r]
            keep_if_best(recipe_folder, member.key, seed, result.accuracy, result.state, finished)
        write_record(recipe_folder, member.key, seed, record)
    return len(todo)


def main(argv: Sequence[str] | None = None) -> None:
    """Entry point of a rescore worker process."""
    import torch

    from nasbox.search.worker import die_with_parent

    parser = argparse.ArgumentParser(prog="python -m nasbox.rescore.worker")
    parser.add_argument("run_dir")
    parser.add_argument("recipe_folder")
    parser.add_argument("--index", type=int, required=True)
    parser.add_argument("--jobs", type=int, required=True)
    parser.add_argument("--threads", type=int, required=True)
    parser.add_argument("--parent", type=int, required=True)
    args = parser.parse_args(argv)
    die_with_parent(args.parent)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    torch.set_num_threads(args.threads)
    run_jobs(Path(args.run_dir), Path(args.recipe_folder), args.index, args.jobs)


if __name__ == "__main__":
    main()
