"""What the user watches while a search runs: a progress bar on a terminal (trials done, best accuracy, front size,
elapsed and ETA), one line per finished trial otherwise, and the front growing in TensorBoard.

A monitor thread in the `nasbox search` process polls the run's storage, so it sees the trials of every worker
process alike, and it alone writes the front figures to TensorBoard.
"""

from __future__ import annotations

import sys
import threading
import time
from typing import TYPE_CHECKING, Any

from nasbox.search.results import Snapshot, budget_limits, take_snapshot
from nasbox.search.study import BASELINE_STUDY, SEARCH_STUDY, open_storage, open_study

if TYPE_CHECKING:
    from nasbox.search.baselines import Baseline
    from nasbox.search.config import SearchConfig
    from nasbox.search.rundir import RunDir
    from nasbox.space.space import Space

POLL_SECONDS = 1.0


class Monitor:
    """Polls the run and reports progress until `stop()`; `total` is the trials and baselines this invocation
    waits for."""

    def __init__(self, run: RunDir, config: SearchConfig, space: Space, baselines: dict[str, Baseline],
                 total: int, deadline: float | None) -> None:
        self.run, self.config, self.space, self.baselines = run, config, space, baselines
        self.total, self.deadline = total, deadline
        storage = open_storage(run)
        self.search = open_study(storage, SEARCH_STUDY, config.objectives)
        self.zoo = open_study(storage, BASELINE_STUDY, config.objectives)
        self.started = time.monotonic()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="nasbox-monitor", daemon=True)
        self._logged = -1
        self._board: Any = None
        self._display = _Bar(total) if sys.stderr.isatty() else _Lines(total)

    def start(self) -> Monitor:
        self.first = self.snapshot()
        self._thread.start()
        return self

    def stop(self) -> Snapshot:
        """Stop polling; returns the final snapshot (after a last TensorBoard update)."""
        self._stop.set()
        self._thread.join()
        final = self.snapshot()
        self._update(final)
        self._display.close()
        if self._board is not None:
            self._board.close()
        return final

    def snapshot(self) -> Snapshot:
        return take_snapshot(self.search, self.zoo, self.space, self.baselines, self.config)

    def _loop(self) -> None:
        while not self._stop.wait(POLL_SECONDS):
            self._update(self.snapshot())

    def _update(self, snapshot: Snapshot) -> None:
        done = snapshot.finished + snapshot.counts["baselines"] - self.first.finished - self.first.counts["baselines"]
        self._display.show(done, snapshot, time.monotonic() - self.started, self.deadline)
        steps = snapshot.finished + snapshot.counts["baselines"]
        if steps != self._logged:
            self._logged = steps
            self._log_front(steps, snapshot)

    def _log_front(self, step: int, snapshot: Snapshot) -> None:
        from nasbox.report.tensorboard import SearchBoard

        if self._board is None:
            self._board = SearchBoard(self.run.tensorboard)
        self._board.log_front(step, [p.record() for p in snapshot.points], [p.record() for p in snapshot.front],
                              hypervolume=snapshot.hypervolume, budget=budget_limits(self.config) or None,
                              objectives=self.config.objectives)


def _eta(done: int, total: int, elapsed: float, deadline: float | None) -> float | None:
    estimates = []
    if done:
        estimates.append(elapsed / done * max(total - done, 0))
    if deadline is not None:
        estimates.append(max(deadline - time.monotonic(), 0.0))
    return min(estimates) if estimates else None


def _clock(seconds: float | None) -> str:
    if seconds is None:
        return "?"
    minutes, secs = divmod(int(seconds), 60)
    return f"{minutes // 60}:{minutes % 60:02d}:{secs:02d}" if minutes >= 60 else f"{minutes}:{secs:02d}"


def _status(snapshot: Snapshot) -> str:
    best = snapshot.best_accuracy
    return f"best {best:.3f}, front {len(snapshot.front)}" if best is not None else "no front yet"


class _Bar:
    """rich's progress bar on stderr."""

    def __init__(self, total: int) -> None:
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

        self.total = total
        self.progress = Progress(TextColumn("search"), BarColumn(), MofNCompleteColumn(),
                                 TextColumn("{task.fields[status]}"), TextColumn("{task.fields[clock]}"),
                                 console=Console(stderr=True))
        self.task = self.progress.add_task("search", total=total, status="starting", clock="")
        self.progress.start()

    def show(self, done: int, snapshot: Snapshot, elapsed: float, deadline: float | None) -> None:
        clock = f"{_clock(elapsed)} elapsed, ETA {_clock(_eta(done, self.total, elapsed, deadline))}"
        self.progress.update(self.task, completed=done, status=_status(snapshot), clock=clock)

    def close(self) -> None:
        self.progress.stop()


class _Lines:
    """One line on stderr per finished trial, for logs and pipes."""

    def __init__(self, total: int) -> None:
        self.total, self.shown = total, 0

    def show(self, done: int, snapshot: Snapshot, elapsed: float, deadline: float | None) -> None:
        if done == self.shown:
            return
        self.shown = done
        eta = _eta(done, self.total, elapsed, deadline)
        sys.stderr.write(f"search: {done}/{self.total} trials, {_status(snapshot)}, {_clock(elapsed)} elapsed, "
                         f"ETA {_clock(eta)}\n")
        sys.stderr.flush()

    def close(self) -> None:
        pass
