"""The trained proxy weights a search keeps, so that `nasbox export RUN --proxy` can hand them over.

One state_dict file per trained network, `RUN/weights/trial-00042.pt` for a searched trial (baselines enqueued in
the search study included) or `RUN/weights/baseline-<zoo name>.pt` for a baseline trained beside it. Each file is
written atomically, so a killed search never leaves a half-written one. `prune` drops the weights of finished
trials that are off the front; a running trial has no file yet, and its weights are never touched.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import TYPE_CHECKING

from nasbox.search.storage_files import write_atomically

if TYPE_CHECKING:
    import torch

    from nasbox.search.front import Point

WEIGHTS = "weights"
SUFFIX = ".pt"


def weights_key(trial: int | None, baseline: str | None) -> str:
    """The name of a trained network's weights: its trial number in the search study, else its zoo name."""
    if trial is not None:
        return f"trial-{trial:05d}"
    if baseline:
        return f"baseline-{baseline}"
    raise ValueError("a trained network is a searched trial or a baseline")


def point_key(point: Point) -> str:
    return weights_key(point.trial, point.baseline)


def weights_path(run_dir: str | Path, key: str) -> Path:
    return Path(run_dir) / WEIGHTS / f"{key}{SUFFIX}"


def save_weights(run_dir: str | Path, key: str, state: dict[str, torch.Tensor]) -> Path:
    """Write `state` as the weights `key` of the run, atomically (temporary file, fsync, rename)."""
    import torch

    path = weights_path(run_dir, key)
    path.parent.mkdir(exist_ok=True)
    buffer = io.BytesIO()
    torch.save(state, buffer)
    write_atomically(path, buffer.getvalue())
    return path


def prune(run_dir: str | Path, points: list[Point], front: list[Point]) -> list[str]:
    """Delete the weights of the scored `points` that are off the `front`; returns their keys."""
    on_front = {point_key(p) for p in front}
    dropped = []
    for point in points:
        key = point_key(point)
        if key not in on_front and weights_path(run_dir, key).exists():
            weights_path(run_dir, key).unlink(missing_ok=True)
            dropped.append(key)
    return dropped
