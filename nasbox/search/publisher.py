"""The one writer of a run's front: a thread of the `nasbox search` process that polls the run's studies (so it
sees the trials of every worker process, or of any other executor, alike) and, whenever a trial has ended, scores
the new front members and baselines on the held-out test split (`held_out_scores`), publishes the front (front files
and TensorBoard), drops the kept weights of trials off the front, and shows the progress when there is a display.
When the search ends it writes the genes' importance by idea to TensorBoard (`nasbox.search.importance`).

A write that fails (a full disk, a folder made read-only) leaves the last complete front files in place (they
are replaced atomically), stops the search, and is reported as one line once the workers have stopped.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

from nasbox.errors import NasboxError
from nasbox.search.results import Snapshot, publish, take_snapshot
from nasbox.search.study import Studies
from nasbox.search.weights import prune as prune_weights

if TYPE_CHECKING:
    from nasbox.report.tensorboard import SearchBoard
    from nasbox.search.config import SearchConfig
    from nasbox.search.front import Reference
    from nasbox.search.held_out_scores import TestScorer
    from nasbox.search.progress import Progress
    from nasbox.search.rundir import RunDir

POLL_SECONDS = 1.0


class Publisher:
    """Publishes the run's front until `stop()`; `failed` is set when a write failed (the workers then stop)."""

    def __init__(self, run: RunDir, config: SearchConfig, reference: Reference, scorer: TestScorer,
                 progress: Progress | None = None) -> None:
        """`scorer` holds the run's data: its validation size decides what counts as chance level."""
        from nasbox.report.tensorboard import SearchBoard

        self.run, self.config, self.reference, self.progress = run, config, reference, progress
        self.scorer = scorer
        self.studies = Studies.open(run, config.objectives)
        self.board: SearchBoard = SearchBoard(run.tensorboard)
        self.failed = threading.Event()
        self.error: NasboxError | None = None
        self._published = -1
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="nasbox-publisher", daemon=True)

    def start(self) -> Publisher:
        self.update()
        self._thread.start()
        return self

    def stop(self) -> Snapshot:
        """Stop polling and publish a last time; returns the final snapshot, or raises the write error that
        stopped the search."""
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join()
        try:
            snapshot = self.update(force=True)
            if self.error is None:
                self._log_importance(snapshot)
        finally:
            if self.progress is not None:
                self.progress.close()
            self.board.close()
        if self.error is not None:
            raise self.error
        return snapshot

    def update(self, *, force: bool = False) -> Snapshot:
        """Take a snapshot and score its new reported networks; publish it when a trial has ended or a score was
        added since the last one (or when forced)."""
        snapshot = self._snapshot()
        if self.error is None:
            scored = self._score(snapshot)
            if scored:
                snapshot = self._snapshot()
            if force or scored or snapshot.ended != self._published:
                self._publish(snapshot)
        if self.progress is not None:
            self.progress.show(snapshot)
        return snapshot

    def _snapshot(self) -> Snapshot:
        return take_snapshot(self.studies, self.config, self.reference, self.scorer.scored_on, self.scorer.scores)

    def _score(self, snapshot: Snapshot) -> bool:
        try:
            return self.scorer.score(snapshot)
        except OSError as exc:
            self._fail(exc)
            return False

    def _publish(self, snapshot: Snapshot) -> None:
        try:
            publish(self.run, snapshot, self.config, self.reference, self.board, self.scorer.split_sizes)
            prune_weights(self.run.path, snapshot.points, snapshot.front)
            self._published = snapshot.ended
        except OSError as exc:
            self._fail(exc)

    def _log_importance(self, snapshot: Snapshot) -> None:
        """Which genes and ideas mattered (`nasbox importance`), in TensorBoard at the step of the last front."""
        from nasbox.search.importance import trial_importance
        from nasbox.space import load_space

        try:
            report = trial_importance(self.studies.search.get_trials(deepcopy=False), self.config.objectives,
                                      self.config.objectives, load_space(self.config.space), seed=self.config.seed,
                                      where=str(self.run.path))
            self.board.log_importance(snapshot.ended, report)
        except NasboxError:
            return  # fewer than 2 trials to compare: nothing to show yet
        except OSError as exc:
            self._fail(exc)

    def _fail(self, exc: OSError) -> None:
        self.error = NasboxError(f"cannot write the front of {self.run.path} ({exc.strerror or exc}); the last "
                                 "complete front files are kept: free space or fix the folder's permissions, then "
                                 "rerun the same command to resume")
        self.failed.set()

    def _loop(self) -> None:
        while not self._stop.wait(POLL_SECONDS):
            self.update()
