"""One record per network × seed of a recipe (`records/<key>-seed<k>.json`), written atomically once its training
ended, and the kept weights of each network's best seed by validation accuracy (`weights/<key>.pt`)."""

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


def weights_file(recipe_folder: Path, key: str) -> Path:
    return recipe_folder / WEIGHTS / f"{key}.pt"


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


def keep_if_best(recipe_folder: Path, key: str, val_accuracy: float, state: dict[str, torch.Tensor],
                 records: list[dict[str, Any]]) -> bool:
    """Keep `state` as the network's rescored weights when no finished seed of it scored a higher validation
    accuracy (the test split never chooses); returns whether it was kept."""
    import torch

    if any(r["key"] == key and r["val_accuracy"] > val_accuracy for r in records):
        return False
    path = weights_file(recipe_folder, key)
    path.parent.mkdir(parents=True, exist_ok=True)
    buffer = io.BytesIO()
    torch.save(state, buffer)
    write_atomically(path, buffer.getvalue())
    return True
