"""Re-scoring a search's front at a higher fidelity: its chosen members and every baseline retrained with a
stronger recipe and several seeds, scored on the held-out test split, with intervals, a re-scored front and the
rank agreement (Kendall τ) between the search's ranking and the re-scored one.

`rescore(run_dir, ...)` is the API behind `nasbox rescore`; records live in `RUN/rescore/<recipe>/`, one file per
network × seed, so a killed rescore resumes without retraining what finished.
"""

from __future__ import annotations

from nasbox.rescore.run import RescoreOutcome, rescore
from nasbox.rescore.summary import NetworkScore, RescoredFront

__all__ = ["NetworkScore", "RescoreOutcome", "RescoredFront", "rescore"]
