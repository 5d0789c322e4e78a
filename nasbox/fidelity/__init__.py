"""Is the proxy telling the truth? A fidelity measurement draws networks of a space within its budgets, trains each
with the proxy (two seeds) and with a costlier reference recipe, scores all on the held-out test split, and says how
well the proxy ranks them as the reference does (Kendall's τ, Spearman's ρ, top-20% overlap), beside the noise
ceiling (the proxy against itself with another seed) and what the free scores, MACs and params, achieve.

`measure_fidelity(config, n, ...)` is the API behind `nasbox fidelity`; records live in the measurement's folder,
one file per network × recipe × seed, so a killed measurement resumes without retraining what finished.
"""

from __future__ import annotations

from nasbox.fidelity.run import FidelityOutcome, measure_fidelity
from nasbox.fidelity.summary import Agreement, FidelityReport, NetworkFigures

__all__ = ["Agreement", "FidelityOutcome", "FidelityReport", "NetworkFigures", "measure_fidelity"]
