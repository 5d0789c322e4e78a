"""One record per network × seed of a recipe (`records/<key>-seed<k>.json`), written atomically once its training
ended, and the kept weights of each network's best seed by validation accuracy (`weights/<key>-seed<k>.pt`, the
seed in the name so the weights always name the record they belong to)."""

from __future__ import annotations

import hashlib
import io
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from nasbox.files import read_text
from nasbox.search.storage_files import write_atomically

if TYPE_CHECKING:
    import torch

RECORDS = "records"
WEIGHTS = "weights"


def record_path(recipe_folder: Path, key: str, seed: int) -> Path:
    return recipe_folder / RECORDS / f"{key}-seed{seed}.json"


def weights_file(recipe_folder: Path, key: str, seed: int) -> Path:
    return recipe_folder / WEIGHTS / f"{key}-seed{seed}.pt"


def training_seed(run_seed: int, spec: dict[str, Any], seed: int) -> int:
    """The training seed of seed number `seed` of a network: a digest of the run's seed, the seed number and the
    network (its name aside), so it is the same whichever worker trains it."""
    network = json.dumps({**spec, "name": ""}, sort_keys=True)
    return int.from_bytes(hashlib.sha256(f"rescore:{run_seed}:{seed}:{network}".encode()).digest()[:4], "big")


def write_record(recipe_folder: Path, key: str, seed: int, record: dict[str, Any]) -> None:
    path = record_path(recipe_folder, key, seed)
    path.parent.mkdir(parents=True, exist_ok=True)
    write_atomically(path, json.dumps(record, indent=2) + "\n")


def read_records(recipe_folder: Path) -> list[dict[str, Any]]:
    """Every finished record of the recipe, in file name order."""
    directory = recipe_folder / RECORDS
    if not directory.is_dir():
        return []
    return [json.loads(read_text(path)) for path in sorted(directory.glob("*.json"))]


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
