"""Held-out test accuracy of the networks a run reports: every front member and every baseline, scored once from
the trained proxy weights the search kept, on the test part of the split, by the publisher.

The scores live in `RUN/test_scores.json` (weights key → accuracy, replaced atomically), apart from the studies: no
sampler, scheduler or trainer reads that file, so the test split never steers the search. A network that left the
front keeps the score it was given while on it; one that never reached the front is never scored.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

from nasbox.files import read_text
from nasbox.search.storage_files import write_atomically
from nasbox.search.weights import point_key, weights_path

if TYPE_CHECKING:
    from nasbox.proxy import HeldOut, ProxyConfig, ProxyData
    from nasbox.search.results import Snapshot

TEST_SCORES = "test_scores.json"


def read_test_scores(run_dir: str | Path) -> dict[str, float]:
    """The test accuracies recorded in a run directory, by weights key (none yet: empty)."""
    path = Path(run_dir) / TEST_SCORES
    return json.loads(read_text(path)) if path.exists() else {}


class TestScorer:
    """Scores the reported networks of a run's snapshots on the held-out split, each once."""

    __test__ = False  # not a pytest class

    def __init__(self, run_dir: Path, proxy: ProxyConfig, data: ProxyData, held_out: HeldOut) -> None:
        self.run_dir, self.proxy, self.data, self.held_out = run_dir, proxy, data, held_out
        self.scores = read_test_scores(run_dir)

    @property
    def split_sizes(self) -> dict[str, int]:
        """Images in each part of the run's split."""
        return {"train": len(self.data.train_labels), "val": len(self.data.val_labels),
                "test": len(self.held_out.labels)}

    @property
    def scored_on(self) -> int:
        """The number of validation images each network's validation accuracy was measured on."""
        return len(self.data.val_labels)

    def score(self, snapshot: Snapshot) -> bool:
        """Score the snapshot's front members and baselines that have kept weights and no score yet, and record
        them; returns whether any was added."""
        import torch

        from nasbox.arch.spec import ArchSpec
        from nasbox.proxy import held_out_accuracy

        reported = [*snapshot.front, *(p for p in snapshot.points if p.baseline)]
        added = False
        for point in reported:
            key = point_key(point)
            path = weights_path(self.run_dir, key)
            if key in self.scores or not path.is_file():
                continue
            state = torch.load(path, map_location="cpu", weights_only=True)
            spec = ArchSpec.from_dict(point.spec)
            self.scores[key] = held_out_accuracy(spec, self.proxy, self.data, self.held_out, state)
            added = True
        if added:
            write_atomically(self.run_dir / TEST_SCORES, json.dumps(self.scores, indent=2, sort_keys=True) + "\n")
        return added
