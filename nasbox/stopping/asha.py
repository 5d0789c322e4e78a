"""ASHA (Li et al. 2020) on validation accuracy alone, for single-objective searches: at a rung, a trial below the
(1 − 1/η) quantile of the accuracies recorded there before it stops, so the best 1/η go on (the rule of Ray
Tune's `ASHAScheduler`, which nasbox used before on the Ray backend only)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from nasbox.stopping.policy import Entry, StoppingPolicy


class Asha(StoppingPolicy):
    name = "asha"

    def decide(self, epoch: int, entry: Entry, peers: Sequence[Entry]) -> str | None:
        if not peers:
            return None
        cutoff = float(np.percentile([p.accuracy for p in peers], (1 - 1 / self.reduction) * 100))
        if entry.accuracy >= cutoff:
            return None
        return (f"stopped early by ASHA after epoch {epoch} at validation accuracy {entry.accuracy:.4f}, below the "
                f"rung's cutoff {cutoff:.4f} (the best 1/{self.reduction} of {len(peers)} earlier trials go on)")
