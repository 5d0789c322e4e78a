"""What Ray runs for one trial: the local worker's own `train` on the trial the searcher asked for, reporting each
epoch's validation accuracy and training loss to Ray (so Ray's tools show progress) while it tells the study the
result, keeps the weights and logs TensorBoard in the run directory, exactly as a local worker does.

A trial that ASHA stops ends inside its report of the epoch it was stopped after (Ray's function trainables
block in `tune.report` until the scheduler has decided); the searcher then tells the study it was pruned.

A Ray worker process keeps the run's data, space and studies between the trials it runs (Ray reuses its actors),
so only its first trial pays for loading them.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from nasbox.search.rundir import RunDir

if TYPE_CHECKING:
    from nasbox.evaluators import Evaluator
    from nasbox.report.tensorboard import SearchBoard
    from nasbox.search.config import SearchConfig
    from nasbox.search.study import Studies
    from nasbox.space.space import Space

WORKER_PID = "ray_worker_pid"  # user attribute: the process that trains the trial, for a user (or a test) to find


@dataclass
class _Context:
    config: SearchConfig
    studies: Studies
    evaluator: Evaluator
    space: Space
    board: SearchBoard


_CONTEXTS: dict[str, _Context] = {}


def train_trial(trial: dict[str, Any]) -> None:
    """Train the study trial that `trial` (the searcher's suggestion) names, unless it is no longer running (a
    trial a resumed run has already retried through the study is never trained twice)."""
    from ray import tune

    from nasbox.search.scheduling import job_of
    from nasbox.search.training import train

    context = _context(trial["run_dir"])
    running = context.studies.running(trial["study"], trial["trial"])
    if running is None:
        return
    job = job_of(*running)
    job.trial.set_user_attr(WORKER_PID, os.getpid())
    train(job, context.config, context.evaluator, context.board, context.space, RunDir(trial["run_dir"]).path,
          on_epoch=lambda point: tune.report({"epoch": point["epoch"], "val_accuracy": point["val_accuracy"],
                                              "train_loss": point["train_loss"]}))


def _context(run_dir: str) -> _Context:
    if run_dir not in _CONTEXTS:
        import torch

        from nasbox.evaluators import ProxyTraining
        from nasbox.report.tensorboard import SearchBoard
        from nasbox.search.data import load_proxy_data
        from nasbox.search.study import Studies
        from nasbox.space import load_space

        run = RunDir(run_dir)
        config = run.invocation()
        torch.set_num_threads(config.threads or max(1, int(config.cpus_per_trial)))
        _CONTEXTS[run_dir] = _Context(config, Studies.open(run, config.objectives),
                                      ProxyTraining(config.proxy, load_proxy_data(config)), load_space(config.space),
                                      SearchBoard(run.tensorboard))
    return _CONTEXTS[run_dir]
