"""Scoring one scheduled trial: the run's evaluator trains its proxy with a seed of the network itself, and the
study is told the accuracy (or the failure and its reason, or that early stopping stopped it); the trained proxy's
weights are kept in the run directory (see `weights`: the publisher drops those of trials off the front), and the
trial's learning curve and hparams row go to TensorBoard.

The proxy seed depends on the run's seed and the network's layers, input and classes, never on the trial number or
the worker, so the same network gets the same score in any run, whatever the scheduling.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from nasbox.search.rungs import RUNG, RungKeeper, StoppedEarly
from nasbox.search.study import PROXY_SEED, SEARCH_STUDY, objective_values, one_line, tell_failed, tell_pruned
from nasbox.search.target import record
from nasbox.search.weights import save_weights, weights_key

if TYPE_CHECKING:
    from nasbox.arch.spec import ArchSpec
    from nasbox.evaluators import Evaluator
    from nasbox.report.tensorboard import SearchBoard
    from nasbox.search.config import SearchConfig
    from nasbox.search.scheduling import Job
    from nasbox.space.space import Space

ABSENT = "absent"  # the hparam value of a gene a network does not have


def proxy_seed(seed: int, spec: ArchSpec) -> int:
    """The training seed of `spec`'s proxy in a run seeded `seed`: a digest of the seed and the network (its name
    aside), so that the same network trains the same way wherever and whenever it is proposed."""
    network = spec.replace(name="").to_json()
    return int.from_bytes(hashlib.sha256(f"{seed}:{network}".encode()).digest()[:4], "big")


def gene_hparams(space: Space, genes: dict[str, Any] | None) -> dict[str, str]:
    """Every gene of the space as a TensorBoard hparam, the same keys for every trial (a gene a network lacks is
    'absent', never left out, so the dashboard hides no column); values are strings, one type per key."""
    genes = genes or {}
    return {f"gene/{name}": str(genes[name]) if name in genes else ABSENT for name in space.gene_names()}


def train(job: Job, config: SearchConfig, evaluator: Evaluator, board: SearchBoard, space: Space, run_dir: Path,
          on_epoch: Callable[[dict[str, float]], None] | None = None) -> None:
    """Score the job's network with `evaluator` (the proxy's training) and tell its study: the objective values, a
    failure with its reason, or that the run's early-stopping policy stopped it (pruned, with its rung). `on_epoch`
    sees each epoch's point of the learning curve (an executor reports progress with it); a single-objective study
    also records each epoch's validation accuracy as the trial's intermediate value."""
    from nasbox.proxy import TrialFailed
    from nasbox.stopping import make_policy

    seed = proxy_seed(config.seed, job.spec)
    job.trial.set_user_attr(PROXY_SEED, seed)
    single_objective = len(config.objectives) == 1
    policy = make_policy(config.early_stopping, config.proxy.epochs)
    stoppable = job.study.study_name == SEARCH_STUDY and job.baseline is None  # baselines are never stopped
    keeper = RungKeeper(policy, job.study, job.trial, config.objectives, job.figures) if policy and stoppable else None
    curve: list[dict[str, float]] = []

    def seen(point: dict[str, float]) -> None:
        curve.append(point)
        if single_objective:
            job.trial.report(point["val_accuracy"], int(point["epoch"]))
        if on_epoch is not None:
            on_epoch(point)
        if keeper is not None:
            keeper.after_epoch(int(point["epoch"]), point["val_accuracy"])

    try:
        result = evaluator.evaluate(job.spec, seed, on_epoch=seen)
    except StoppedEarly as stop:
        job.trial.set_user_attr("curve", curve)
        job.trial.set_user_attr(RUNG, stop.epoch)
        tell_pruned(job.study, job.trial, stop.reason)
        _log(job, board, space, curve, None)
        return
    except TrialFailed as exc:
        reason = str(exc)
    except Exception as exc:  # any fault of one trial is recorded, and the search goes on
        reason = one_line(exc)
    else:
        job.trial.set_user_attr("accuracy", result.accuracy)
        job.trial.set_user_attr("curve", result.curve)
        job.trial.set_user_attr("train_seconds", round(result.seconds, 3))
        job.study.tell(job.trial, objective_values(config.objectives, result.accuracy, job.figures))
        searched = job.study.study_name == SEARCH_STUDY
        if result.state is not None:
            save_weights(run_dir, weights_key(job.trial.number if searched else None, job.baseline), result.state)
        _log(job, board, space, result.curve, result.accuracy)
        return
    tell_failed(job.study, job.trial, reason)
    _log(job, board, space, [], None)


def _log(job: Job, board: SearchBoard, space: Space, curve: list[dict[str, float]], accuracy: float | None) -> None:
    genes = job.trial.params if job.study.study_name == SEARCH_STUDY else None
    name = f"trial-{job.trial.number:05d}" if genes is not None else f"baseline-{job.baseline}"
    board.log_trial(name, "baseline" if job.baseline else "searched", curve,
                    {"network": job.baseline or job.spec.name, **record(job.figures), **gene_hparams(space, genes)},
                    {"accuracy": accuracy if accuracy is not None and math.isfinite(accuracy) else None})
