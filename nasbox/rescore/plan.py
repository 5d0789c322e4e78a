"""What a rescore trains: the recipe (the run's proxy with the stronger settings), the networks (front members by
rank, and every baseline), and the seeds; written once as `plan.json` in the recipe's folder, which its workers read.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from nasbox.errors import NasboxError
from nasbox.files import read_text
from nasbox.proxy import ProxyConfig
from nasbox.search.storage_files import write_atomically
from nasbox.search.weights import weights_key

RESCORE = "rescore"
PLAN = "plan.json"


@dataclass(frozen=True)
class Member:
    """A network to re-score, with the figures the search gave it."""

    key: str
    trial: int | None
    baseline: str | None
    spec: dict[str, Any]
    search_val_accuracy: float
    macs: int
    params: int

    @property
    def label(self) -> str:
        return self.baseline or f"trial {self.trial}"


@dataclass(frozen=True)
class Plan:
    recipe: ProxyConfig
    seeds: int
    members: list[Member]

    @property
    def recipe_id(self) -> str:
        return recipe_id(self.recipe)

    def to_dict(self) -> dict[str, Any]:
        return {"recipe": self.recipe.to_dict(), "seeds": self.seeds,
                "members": [dataclasses.asdict(m) for m in self.members]}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Plan:
        return cls(ProxyConfig.from_dict(data["recipe"]), data["seeds"], [Member(**m) for m in data["members"]])


def recipe_id(recipe: ProxyConfig) -> str:
    """The folder name of a recipe's results: its main settings, readable, and a digest of all of them (so two
    recipes never share records, and the same recipe always finds its own)."""
    digest = hashlib.sha256(json.dumps(recipe.to_dict(), sort_keys=True).encode()).hexdigest()[:8]
    return f"e{recipe.epochs}-w{recipe.width_mult:g}-r{recipe.resolution}-{digest}"


def make_recipe(search: ProxyConfig, *, epochs: int | None = None, width_mult: float | None = None,
                resolution: int | None = None, relax_strides: int | None = None) -> ProxyConfig:
    """The search's proxy recipe with the given settings replaced."""
    changes = {k: v for k, v in {"epochs": epochs, "width_mult": width_mult, "resolution": resolution,
                                 "relax_strides": relax_strides}.items() if v is not None}
    return dataclasses.replace(search, **changes)


FIDELITY_SETTINGS = ("epochs", "width_mult", "resolution")


def cheaper_settings(recipe: ProxyConfig, search: ProxyConfig, prefix: str = "") -> list[str]:
    """The settings in which `recipe` trains less than the search's proxy did, named as their flags (with
    `prefix`, e.g. `--reference-epochs`)."""
    return [f"--{prefix}{name.replace('_', '-')} {getattr(recipe, name):g} < {getattr(search, name):g}"
            for name in FIDELITY_SETTINGS if getattr(recipe, name) < getattr(search, name)]


def choose_members(front: dict[str, Any], top: int | None) -> list[Member]:
    """The `top` most accurate front members by validation accuracy (all when None), then every baseline."""
    ranked = sorted(front["front"], key=lambda p: -p["val_accuracy"])
    if top is not None and top > len(ranked):
        raise NasboxError(f"--top {top}: the front has {len(ranked)} member(s); give --top from 1 to {len(ranked)} "
                          "or --front")
    chosen = ranked[:top] if top is not None else ranked
    members: dict[str, Member] = {}
    for row in [*chosen, *front.get("baselines", [])]:
        if "spec" not in row:
            raise NasboxError("front.json lists baselines without their spec (an older nasbox wrote it); run "
                              "'nasbox search' into a new --run-dir")
        key = weights_key(row["trial"], row["baseline"])
        members.setdefault(key, Member(key=key, trial=row["trial"], baseline=row["baseline"], spec=row["spec"],
                                       search_val_accuracy=row["val_accuracy"], macs=row["macs"],
                                       params=row["params"]))
    return list(members.values())


def folder(run_dir: Path, recipe: ProxyConfig) -> Path:
    return run_dir / RESCORE / recipe_id(recipe)


def write_plan(run_dir: Path, plan: Plan) -> Path:
    """Write the plan into its recipe's folder; a plan already there must hold the same seeds' networks or more."""
    path = folder(run_dir, plan.recipe) / PLAN
    path.parent.mkdir(parents=True, exist_ok=True)
    write_atomically(path, json.dumps(plan.to_dict(), indent=2) + "\n")
    return path


def read_plan(path: Path) -> Plan:
    return Plan.from_dict(json.loads(read_text(path)))
