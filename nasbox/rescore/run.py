"""`rescore`: check the run and the request, write the plan, train the missing records with the run's workers
(processes on the CPU, one worker with every core on CUDA), then summarise every finished record."""

from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass
from pathlib import Path

from nasbox.errors import NasboxError
from nasbox.files import read_text
from nasbox.jobs import read_records, run_sharded
from nasbox.proxy import ProxyConfig
from nasbox.rescore.plan import RESCORE, Plan, cheaper_settings, choose_members, folder, make_recipe, write_plan
from nasbox.rescore.summary import RescoredFront, summarise
from nasbox.search.storage_files import write_atomically

SUMMARY = "summary.json"
DEFAULT_EPOCHS_FACTOR = 3


@dataclass(frozen=True)
class RescoreOutcome:
    """What a rescore found, where it lives, what this invocation trained and how long it took."""

    front: RescoredFront
    plan: Plan
    folder: Path
    trained: int
    seconds: float
    warnings: list[str]


def rescore(run_dir: str | Path, *, top: int | None = None, epochs: int | None = None,
            width_mult: float | None = None, resolution: int | None = None, seeds: int = 3,
            jobs: int | None = None) -> RescoreOutcome:
    """Retrain the `top` front members (all with None) and every baseline of the run with the search's proxy
    recipe made stronger (`epochs`, by default three times the search's; `width_mult`, `resolution`), `seeds` times
    each, with `jobs` workers (by default as many as the search used); see the package docstring."""
    from nasbox.devices import select_device
    from nasbox.search.front import read_front
    from nasbox.search.rundir import CONFIG, RunDir

    started = time.monotonic()
    path = Path(run_dir)
    front = read_front(path)
    if not (path / CONFIG).is_file():
        raise NasboxError(f"{path}: no {CONFIG} here, so it is not a nasbox run directory; give the --run-dir of a "
                          "'nasbox search'")
    if seeds < 1:
        raise NasboxError(f"--seeds: must be at least 1, got {seeds}")
    if top is not None and top < 1:
        raise NasboxError(f"--top: must be at least 1, got {top}")
    if jobs is not None and jobs < 1:
        raise NasboxError(f"--jobs: must be at least 1, got {jobs}")
    config = RunDir(path).invocation()
    epochs = epochs if epochs is not None else config.proxy.epochs * DEFAULT_EPOCHS_FACTOR
    recipe = make_recipe(config.proxy, epochs=epochs, width_mult=width_mult, resolution=resolution)
    warnings = [f"this recipe trains less than the search's proxy did ({'; '.join(cheaper)}); its scores are no "
                "higher fidelity" for cheaper in [cheaper_settings(recipe, config.proxy)] if cheaper]
    members = choose_members(front, top)
    if not members:
        raise NasboxError(f"{path}: the front is empty and there are no baselines; let the search finish trials "
                          "first")
    plan = Plan(recipe, seeds, members)
    cuda = select_device(config.device).type == "cuda"
    workers, threads = config.workers(cuda) if jobs is None else (jobs, max(1, (os.cpu_count() or 1) // jobs))
    workers = min(workers, len(members))
    recipe_folder = folder(path, recipe)
    before = len(read_records(recipe_folder))
    try:
        write_plan(path, plan)
        _train(path, recipe_folder, workers, threads)
        records = read_records(recipe_folder)
        result = summarise(plan, records)
        write_atomically(recipe_folder / SUMMARY, json.dumps({"recipe": recipe.to_dict(), "seeds": seeds,
                                                              **result.to_dict()}, indent=2) + "\n")
        _log_to_tensorboard(path, recipe_folder.name, result, len(records))
    except OSError as exc:
        raise NasboxError(f"cannot write to {recipe_folder} ({exc.strerror or exc}); free space or fix the folder's "
                          "permissions, then rerun the same command to resume") from None
    return RescoreOutcome(result, plan, recipe_folder, len(records) - before, time.monotonic() - started, warnings)


@dataclass(frozen=True)
class SavedRescore:
    """A finished rescore of a run, as its summary.json holds it."""

    recipe_id: str
    recipe: ProxyConfig
    seeds: int
    front: RescoredFront


def read_rescores(run_dir: str | Path) -> list[SavedRescore]:
    """Every rescore of the run that has summarised its records, by recipe folder name."""
    root = Path(run_dir) / RESCORE
    saved = []
    for path in sorted(root.glob(f"*/{SUMMARY}")) if root.is_dir() else []:
        data = json.loads(read_text(path))
        saved.append(SavedRescore(path.parent.name, ProxyConfig.from_dict(data["recipe"]), data["seeds"],
                                  RescoredFront.from_dict(data)))
    return saved


def _log_to_tensorboard(run_dir: Path, recipe_id: str, result: RescoredFront, trainings: int) -> None:
    """The re-scored front as a second figure beside the search's, in the run's TensorBoard log."""
    from nasbox.report.tensorboard import SearchBoard
    from nasbox.search.rundir import RunDir

    with SearchBoard(RunDir(run_dir).tensorboard) as board:
        board.log_rescore(recipe_id, [s.to_dict() for s in result.scores], result.kendall_tau, trainings)


def _train(run_dir: Path, recipe_folder: Path, workers: int, threads: int) -> None:
    """Train the plan's missing records: in this process for one worker, else in worker processes."""
    from nasbox.rescore.worker import run_jobs

    run_sharded("nasbox.rescore.worker", [str(run_dir), str(recipe_folder)], workers, threads,
                lambda index, jobs: run_jobs(run_dir, recipe_folder, index, jobs), "rescore")
