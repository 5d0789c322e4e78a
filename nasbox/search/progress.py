"""What the user watches while a search runs: a progress bar on a terminal (trials done, best accuracy, front size,
elapsed and ETA), or one line per finished trial otherwise. It only shows snapshots; the publisher
(`nasbox.search.publisher`) takes them and writes the front, with or without a display.
"""

from __future__ import annotations

import sys
import time
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from nasbox.search.results import Snapshot


class Progress:
    """Shows how far this invocation got: `total` is the trials and baselines it waits for, counted from the
    first snapshot shown."""

    def __init__(self, total: int, deadline: float | None) -> None:
        self.total, self.deadline = total, deadline
        self.started = time.monotonic()
        self._first: int | None = None
        self._display = _Bar(total) if sys.stderr.isatty() else _Lines(total)

    def show(self, snapshot: Snapshot) -> None:
        done = snapshot.finished + snapshot.counts["baselines"]
        if self._first is None:
            self._first = done
        self._display.show(done - self._first, snapshot, time.monotonic() - self.started, self.deadline)

    def close(self) -> None:
        self._display.close()


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
    best = snapshot.best_val_accuracy
    return f"best val {best:.3f}, front {len(snapshot.front)}" if best is not None else "no front yet"


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
