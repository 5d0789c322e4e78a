"""One invocation's trials on Ray: a Tuner whose searcher asks the run's study, whose trainable is the local
worker's training, with each trial holding `--cpus-per-trial` CPUs and `--gpus-per-trial` GPUs (fractions
allowed), retried up to `--max-failures` times when its worker dies.

Ray's experiment state lives in RUN/ray/ (`storage_path`), so nothing is written outside the run directory. An
interrupted invocation's experiment is restored (`Tuner.restore`), which keeps Ray's record of its finished trials
for Ray's own tools; what was in flight is not resumed by Ray but by the study, which `run_search` has already
repaired as the local backend does (a killed trial is failed as interrupted and enqueued again), so no trial is
ever both retried by the study and resumed by Ray. An experiment whose invocation ended, or whose pickled settings
(`--max-failures`) changed, is left as it is and a new one is started beside it.
"""

from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import Any

from nasbox.search.config import SearchConfig
from nasbox.search.rundir import RunDir
from nasbox.search.storage_files import write_atomically

RAY_FOLDER = "ray"
EXPERIMENTS = "experiments.json"  # [{"name", "max_failures", "ended"}], oldest first


def run_on_ray(config: SearchConfig, run: RunDir, deadline: float | None, stop: threading.Event) -> None:
    """Run trials on the connected Ray until none is left to start, `deadline` (time.monotonic()) has passed or
    `stop` is set (a front write failed)."""
    from nasbox.search.ray_tune.searcher import INVOCATIONS, Invocation

    path = str(run.path.resolve())
    INVOCATIONS[path] = Invocation(deadline, stop)
    try:
        storage = run.path.resolve() / RAY_FOLDER
        storage.mkdir(exist_ok=True)
        experiments = _read(storage)
        last = experiments[-1] if experiments else None
        if last is not None and not last["ended"] and last["max_failures"] == config.max_failures:
            _fit(config, path, storage, last["name"], restore=True)
            last["ended"] = True
            _write(storage, experiments)
        if _work_left(run, config) and not stop.is_set():
            name = f"search-{len(experiments) + 1:03d}"
            experiments.append({"name": name, "max_failures": config.max_failures, "ended": False})
            _write(storage, experiments)
            _fit(config, path, storage, name, restore=False)
            experiments[-1]["ended"] = True
            _write(storage, experiments)
    finally:
        INVOCATIONS.pop(path, None)


def _fit(config: SearchConfig, run_dir: str, storage: Path, name: str, *, restore: bool) -> None:
    from ray import tune

    from nasbox.search.ray_tune.searcher import StudyRecorder, StudySearcher
    from nasbox.search.ray_tune.trainable import train_trial

    trainable = tune.with_resources(train_trial, {"cpu": config.cpus_per_trial, "gpu": config.gpus_per_trial})
    if restore:
        tuner = tune.Tuner.restore(str(storage / name), trainable, resume_unfinished=False, resume_errored=False)
    else:
        tuner = tune.Tuner(
            trainable,
            tune_config=tune.TuneConfig(search_alg=StudySearcher(run_dir), num_samples=-1,
                                        reuse_actors=True, trial_name_creator=trial_name,
                                        trial_dirname_creator=trial_name),
            run_config=tune.RunConfig(name=name, storage_path=str(storage), verbose=0,
                                      failure_config=tune.FailureConfig(max_failures=config.max_failures),
                                      callbacks=[StudyRecorder(run_dir)]))
    tuner.fit()


def trial_name(trial: Any) -> str:
    """A Ray trial's name and folder: the network it trains (trial-00042 or the baseline's name) and Ray's id."""
    return f"{trial.config['network']}-{trial.trial_id}"


def _work_left(run: RunDir, config: SearchConfig) -> bool:
    """Whether the study still has a trial to start (a restored experiment whose searcher had finished ends at
    once, so a new one takes over)."""
    from nasbox.search.scheduling import Scheduler
    from nasbox.search.study import Studies
    from nasbox.search.target import Target
    from nasbox.space import load_space

    studies = Studies.open(run, config.objectives)
    return Scheduler(config, run, studies, load_space(config.space), Target(config)).has_work()


def _read(storage: Path) -> list[dict[str, Any]]:
    path = storage / EXPERIMENTS
    return json.loads(path.read_text()) if path.exists() else []


def _write(storage: Path, experiments: list[dict[str, Any]]) -> None:
    write_atomically(storage / EXPERIMENTS, json.dumps(experiments, indent=2) + "\n")
