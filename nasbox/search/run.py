"""`run_search`: check everything the user gave before writing anything, then run (or resume) the search in its
run directory with one or more local workers, or on Ray (`nasbox.search.ray_tune`), while the publisher writes the
front, and return where it ended."""

from __future__ import annotations

import sys
import time
from typing import TYPE_CHECKING

from nasbox.devices import select_device
from nasbox.errors import NasboxError
from nasbox.search.config import SearchConfig
from nasbox.search.executors import executor
from nasbox.search.front import Reference
from nasbox.search.held_out_scores import TestScorer
from nasbox.search.results import Snapshot
from nasbox.search.rundir import RunDir
from nasbox.search.study import BASELINE, Studies, counts_as_finished, is_searched, repair_interrupted

if TYPE_CHECKING:
    from nasbox.proxy import HeldOut, ProxyData
    from nasbox.search.baselines import Baseline
    from nasbox.search.identity import Identity
    from nasbox.search.rundir import Resumption
    from nasbox.search.target import Target



class SearchOutcome:
    """How a search ended: its final snapshot, run directory and what this invocation did."""

    def __init__(self, snapshot: Snapshot, run: RunDir, resumed: bool, repaired: list[int], seconds: float,
                 new_trials: int) -> None:
        self.snapshot, self.run, self.resumed, self.repaired = snapshot, run, resumed, repaired
        self.seconds, self.new_trials = seconds, new_trials


def run_search(config: SearchConfig, *, progress: bool = True) -> SearchOutcome:
    """Run or resume the search `config` describes; see the module docstring. Warnings go to stderr."""
    from nasbox.data import load_dataset
    from nasbox.search.baselines import select_baselines
    from nasbox.search.data import load_held_out, load_proxy_data
    from nasbox.search.identity import identify
    from nasbox.search.target import Target
    from nasbox.space import load_space
    from nasbox.space.budget import check_reachable

    started = time.monotonic()
    space = load_space(config.space)
    check_reachable(space, config.budget)
    select_device(config.device)
    target = Target(config)
    warnings = target.check(space)
    dataset = load_dataset(config.dataset, config.data_dir)
    data = load_proxy_data(config, dataset)
    held_out = load_held_out(config, data, dataset)
    identity = identify(config, space, dataset)
    run = RunDir(config.run_dir or config.default_run_dir())
    resumption = run.check_resumable(config, identity)
    for warning in [*warnings, *resumption.warnings]:
        sys.stderr.write(f"nasbox search: warning: {warning}\n")
    baselines = select_baselines(config.baselines, space, target)
    reference = (Reference.from_dict(resumption.stored["reference"]) if resumption.resumed else
                 Reference(1.0 / data.num_classes, target.scales(space, config.objectives)))
    let_go = executor(config.backend).connect(config)
    try:
        return _search(config, run, resumption, identity, reference, baselines, target, data, held_out, started,
                       progress)
    finally:
        if let_go is not None:
            let_go()


def _search(config: SearchConfig, run: RunDir, resumption: Resumption, identity: Identity, reference: Reference,
            baselines: list[Baseline], target: Target, data: ProxyData, held_out: HeldOut, started: float,
            progress: bool) -> SearchOutcome:
    """Set up the checked run directory and run the search in it."""
    from nasbox.search.baselines import enqueue_baselines

    created = run.make()
    with run.exclusive():
        try:
            run.write_config(config, identity, reference.to_dict(), resumption)
        except OSError as exc:
            if created:
                run.remove()
            raise NasboxError(f"--run-dir: cannot write {run.path} ({exc.strerror or exc}); give a --run-dir in a "
                              "folder you can write, with space free") from None
        run.repair_journal()
        studies = Studies.open(run, config.objectives)
        studies.name_metrics(config.objectives)
        repaired = repair_interrupted(studies.search) + repair_interrupted(studies.zoo)
        enqueue_baselines(studies, baselines, target)
        before = _finished(studies)
        deadline = started + config.timeout if config.timeout is not None else None
        try:
            snapshot = _run(config, run, studies, data, TestScorer(run.path, config.proxy, data, held_out), reference,
                            deadline, progress)
        except OSError as exc:
            raise NasboxError(f"cannot write to {run.path} ({exc.strerror or exc}); free space or fix the folder's "
                              "permissions, then rerun the same command to resume") from None
    return SearchOutcome(snapshot, run, resumption.resumed, repaired, time.monotonic() - started,
                         _finished(studies) - before)


def _run(config: SearchConfig, run: RunDir, studies: Studies, data: ProxyData, scorer: TestScorer,
         reference: Reference, deadline: float | None, progress: bool) -> Snapshot:
    """Train trials with the run's workers while the publisher writes the front; the final snapshot."""
    import torch

    from nasbox.search.progress import Progress
    from nasbox.search.publisher import Publisher

    torch.set_num_threads(config.workers(data.train_images.is_cuda)[1])
    monitor = Progress(_awaited(config, studies), deadline) if progress else None
    publisher = Publisher(run, config, reference, scorer, monitor)
    publisher.start()
    try:
        executor(config.backend).run(config, run, data, deadline, publisher.failed)
    finally:
        snapshot = publisher.stop()
    return snapshot


def _awaited(config: SearchConfig, studies: Studies) -> int:
    """The trials and baselines this invocation waits for."""
    from optuna.trial import TrialState

    searched = sum(counts_as_finished(t) for t in studies.search.get_trials(deepcopy=False) if is_searched(t))
    waiting = sum(t.state == TrialState.WAITING and BASELINE in t.user_attrs for t in studies.trials())
    return max(config.trials - searched, 0) + waiting


def _finished(studies: Studies) -> int:
    return sum(counts_as_finished(t) for t in studies.trials())
