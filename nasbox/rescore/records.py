"""A rescore's records are one per network × seed of a recipe (`records/<key>-seed<k>.json`, written by
`nasbox.jobs`); here: the kept weights of each network's best seed by validation accuracy
(`weights/<key>-seed<k>.pt`, the seed in the name so the weights always name the record they belong to)."""

from __future__ import annotations

import io
from pathlib import Path
from typing import TYPE_CHECKING, Any

from nasbox.search.storage_files import write_atomically

if TYPE_CHECKING:
    import torch

WEIGHTS = "weights"


def weights_file(recipe_folder: Path, key: str, seed: int) -> Path:
    return recipe_folder / WEIGHTS / f"{key}-seed{seed}.pt"


def best_record(records: list[dict[str, Any]], key: str) -> dict[str, Any] | None:
    """The finished seed of network `key` whose weights are kept: the highest validation accuracy (the test split
    never chooses), the lowest seed among equals; None when no seed of it finished."""
    finished = [r for r in records if r["key"] == key and "val_accuracy" in r]
    return max(finished, key=lambda r: (r["val_accuracy"], -r["seed"]), default=None)


def keep_if_best(recipe_folder: Path, key: str, seed: int, val_accuracy: float, state: dict[str, torch.Tensor],
                 records: list[dict[str, Any]]) -> bool:
    """Keep `state` as the network's rescored weights when it beats every finished seed of the network (see
    `best_record`), and drop the weights it replaces; returns whether it was kept."""
    import torch

    best = best_record(records, key)
    if best is not None and (best["val_accuracy"], -best["seed"]) > (val_accuracy, -seed):
        return False
    path = weights_file(recipe_folder, key, seed)
    path.parent.mkdir(parents=True, exist_ok=True)
    buffer = io.BytesIO()
    torch.save(state, buffer)
    write_atomically(path, buffer.getvalue())
    for other in kept_weights(recipe_folder, key):
        if other != path:
            other.unlink()
    return True


def kept_weights(recipe_folder: Path, key: str) -> list[Path]:
    """The weight files kept for network `key` (one, except after a kill between keeping and dropping)."""
    directory = recipe_folder / WEIGHTS
    if not directory.is_dir():
        return []
    prefix = f"{key}-seed"
    return sorted(p for p in directory.iterdir()
                  if p.name.startswith(prefix) and p.name.endswith(".pt") and p.name[len(prefix):-3].isdigit())
