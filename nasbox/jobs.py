"""Trainings kept as records, one JSON file each, and split over worker processes: what `nasbox rescore` and
`nasbox fidelity` share. A record is written atomically once its training ended, so a run killed at any moment
(even SIGKILL) resumes with the same command and retrains only the trainings that have no record yet.

Each worker takes every `jobs`-th job of its caller's list (`--index i --jobs N`), so workers never share a job
and need no lock; one worker runs in the calling process instead.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import signal
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from nasbox.errors import NasboxError
from nasbox.files import read_text
from nasbox.search.storage_files import write_atomically

if TYPE_CHECKING:
    import torch

    from nasbox.arch.spec import ArchSpec
    from nasbox.evaluators import Evaluator
    from nasbox.proxy import HeldOut

RECORDS = "records"


def record_path(folder: Path, key: str, seed: int) -> Path:
    """Where the record of seed `seed` of job `key` lives in `folder`."""
    return folder / RECORDS / f"{key}-seed{seed}.json"


def write_record(folder: Path, key: str, seed: int, record: dict[str, Any]) -> None:
    """Write a finished training's record atomically: a reader sees the whole record or none."""
    path = record_path(folder, key, seed)
    path.parent.mkdir(parents=True, exist_ok=True)
    write_atomically(path, json.dumps(record, indent=2) + "\n")


def read_records(folder: Path) -> list[dict[str, Any]]:
    """Every finished record in `folder`, in file name order."""
    directory = folder / RECORDS
    if not directory.is_dir():
        return []
    return [json.loads(read_text(path)) for path in sorted(directory.glob("*.json"))]


def training_seed(tag: str, run_seed: int, spec: dict[str, Any], seed: int) -> int:
    """The training seed of seed number `seed` of a network: a digest of `tag` (who trains it), the run's seed, the
    seed number and the network (its name aside), so it is the same whichever worker trains it."""
    network = json.dumps({**spec, "name": ""}, sort_keys=True)
    return int.from_bytes(hashlib.sha256(f"{tag}:{run_seed}:{seed}:{network}".encode()).digest()[:4], "big")


def train_and_score(spec: ArchSpec, evaluator: Evaluator, held_out: HeldOut,
                    seed: int) -> tuple[dict[str, Any], dict[str, torch.Tensor] | None]:
    """Score `spec` with `evaluator` (training seed `seed`) on the validation and the held-out test split: the
    record's figures (`val_accuracy`, `test_accuracy`, or `failed` with the reason; `seconds` of wall time and
    `cpu_seconds` of this process's CPU time, all its threads) and the trained weights (None when it failed)."""
    from nasbox.proxy import TrialFailed

    started, cpu_started = time.perf_counter(), time.process_time()
    try:
        result = evaluator.evaluate(spec, seed)
    except TrialFailed as exc:
        figures: dict[str, Any] = {"failed": str(exc)}
        state = None
    else:
        state = result.state
        figures = {"val_accuracy": result.accuracy, "test_accuracy": evaluator.test_accuracy(spec, result, held_out)}
    figures.update(seconds=round(time.perf_counter() - started, 3),
                   cpu_seconds=round(time.process_time() - cpu_started, 3))
    return figures, state


def run_sharded(module: str, arguments: Sequence[str], workers: int, threads: int,
                in_process: Callable[[int, int], object], what: str) -> None:
    """Run a job list's workers: `in_process(0, 1)` here when there is one worker (with `threads` torch threads),
    else `workers` processes of `python -m module *arguments --jobs N --threads T --index i`; an error naming
    `what` when one of them failed."""
    if workers == 1:
        import torch

        torch.set_num_threads(threads)
        in_process(0, 1)
        return
    from nasbox.processes import run_workers

    codes = run_workers(module, [*arguments, "--jobs", str(workers), "--threads", str(threads)], workers)
    if any(code != 0 for code in codes):
        raise NasboxError(f"a {what} worker stopped with an error (see above); rerun the same command to resume")


def worker_arguments(prog: str, positionals: Sequence[str], argv: Sequence[str] | None) -> argparse.Namespace:
    """Parse a worker process's command line (`positionals`, then what `run_sharded` adds) and set the process up:
    it dies with its parent, leaves Ctrl-C to the parent, and uses the torch threads it was given."""
    import torch

    from nasbox.search.worker import die_with_parent

    parser = argparse.ArgumentParser(prog=prog)
    for name in positionals:
        parser.add_argument(name)
    for name in ("--index", "--jobs", "--threads", "--parent"):
        parser.add_argument(name, type=int, required=True)
    args = parser.parse_args(argv)
    die_with_parent(args.parent)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    torch.set_num_threads(args.threads)
    return args
