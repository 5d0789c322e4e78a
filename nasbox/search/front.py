"""The Pareto front of a search: non-dominated feasible points (searched and baselines), and its hypervolume.

Hypervolume is measured in a normalised space where every objective is a loss in [0, 1] at the reference point
(`Reference`): accuracy becomes (1 − accuracy) / (1 − chance), so a network at chance level (1 / classes) or below
it is credited nothing; a cost (MACs, params, latency) is divided by its budget, or, when it has none, by a fixed
scale recorded in the run directory when the run was made (the figure of the space's dearest network), so the curve
of one run never falls when a costlier network arrives. The reference point is (1, …, 1): chance accuracy at the
budget. A larger hypervolume is a better front; 1.0 would be a perfect network that costs nothing. A search of
accuracy alone has for front its most accurate network (ties kept), and for hypervolume that network's share of the
way from chance to 1.
"""

from __future__ import annotations

import csv
import io
import json
import math
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from nasbox.errors import NasboxError
from nasbox.files import read_text
from nasbox.nb201.space import ARCH_FIELD, arch_fields
from nasbox.objectives import ACCURACY, figure_names, objective
from nasbox.search.storage_files import write_atomically

FRONT_JSON = "front.json"
FRONT_CSV = "front.csv"
POINT_FIGURES = ("macs", "params", "latency")
"""The figures a `Point` holds as fields of their own; any other registered figure goes in its `more_figures`."""


@dataclass(frozen=True)
class Point:
    """A finished, scored network: a searched trial or a baseline (or both, for an enqueued one). `val_accuracy` is
    the validation accuracy the sampler saw (the objective 'accuracy'); `test_accuracy`, on the held-out split, is
    known only for the networks the run reports (front members and baselines), once the publisher has scored them."""

    trial: int | None
    baseline: str | None
    genes: dict[str, Any] | None
    spec: dict[str, Any]
    val_accuracy: float
    macs: int
    params: int
    latency: float | None = None
    test_accuracy: float | None = None
    more_figures: dict[str, float] = field(default_factory=dict)
    """Figures of the registered objectives other than MACs, params and latency, by name."""

    def value(self, name: str) -> float:
        """The point's value of objective `name`; an unknown figure is the worst value (see `Objective.worst`)."""
        if name == ACCURACY:
            return self.val_accuracy
        return self.figures().get(name, objective(name).worst())

    def figures(self) -> dict[str, float]:
        """The figures a budget judges: MACs, params, latency and the other registered figures that are known."""
        figures: dict[str, float] = {"macs": self.macs, "params": self.params}
        if self.latency is not None:
            figures["latency"] = self.latency
        return {**figures, **self.more_figures}

    def record(self) -> dict[str, Any]:
        """The point as front.json holds it, every figure a key of its own; a NAS-Bench-201 cell also names its
        arch string."""
        fields = asdict(self)
        return {**{k: v for k, v in fields.items() if k != "more_figures"}, **self.more_figures,
                **arch_fields(self.genes)}



@dataclass(frozen=True)
class Reference:
    """The hypervolume's reference point: the chance accuracy, and each cost objective's scale (its budget, or the
    fixed scale recorded in the run)."""

    chance: float
    scales: dict[str, float]

    def losses(self, points: list[Point], objectives: tuple[str, ...]) -> np.ndarray:
        """Each point's objectives as losses, 1 at the reference point (rows: points)."""
        columns = []
        for name in objectives:
            values = np.array([p.value(name) for p in points], dtype=float)
            if objective(name).direction == "maximize":
                columns.append((1.0 - values) / (1.0 - self.chance))
            else:
                columns.append(values / self.scales[name])
        return np.stack(columns, axis=1) if columns else np.zeros((0, len(objectives)))

    def to_dict(self) -> dict[str, float]:
        return {"accuracy": self.chance, **self.scales}

    @classmethod
    def from_dict(cls, data: dict[str, float]) -> Reference:
        return cls(chance=data["accuracy"], scales={k: v for k, v in data.items() if k != "accuracy"})


def learned(accuracy: float, chance: float, scored_on: int) -> bool:
    """Whether `accuracy` on `scored_on` images is beyond chance level: above chance by more than three binomial
    standard deviations of a network that guesses (0.133 for 10 classes on 750 images)."""
    return accuracy > chance + 3 * math.sqrt(chance * (1 - chance) / max(scored_on, 1))


def pareto_front(points: list[Point], objectives: tuple[str, ...]) -> list[Point]:
    """The points no other point dominates (ties kept once), ordered by their first cost objective (MACs when
    accuracy is the only objective)."""
    if not points:
        return []
    losses = Reference(0.0, {o: 1.0 for o in objectives}).losses(points, objectives)
    keep = []
    for i, row in enumerate(losses):
        dominated = np.any(np.all(losses <= row, axis=1) & np.any(losses < row, axis=1))
        duplicate = any(np.array_equal(losses[j], row) for j in keep)
        if not dominated and not duplicate:
            keep.append(i)
    cost_objective = next((o for o in objectives if objective(o).direction == "minimize"), "macs")
    return sorted((points[i] for i in keep), key=lambda p: (p.value(cost_objective), -p.val_accuracy))


def hypervolume(front: list[Point], objectives: tuple[str, ...], reference: Reference) -> float:
    """Hypervolume of `front` in the normalised loss space (see the module docstring)."""
    from nasbox.search.optuna_private import compute_hypervolume

    if not front:
        return 0.0
    losses = reference.losses(front, objectives)
    inside = losses[np.all(losses <= 1.0, axis=1)]
    if len(inside) == 0:
        return 0.0
    return compute_hypervolume(inside, np.ones(len(objectives)))


def write_front(run_dir: Path, front: list[Point], summary: dict[str, Any]) -> None:
    """front.json ({summary..., "front": [...]}) and front.csv, each replaced atomically."""
    records = [p.record() for p in front]
    write_atomically(run_dir / FRONT_JSON, json.dumps({**summary, "front": records}, indent=2) + "\n")
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    archs = [arch_fields(p.genes).get(ARCH_FIELD, "") for p in front]
    named = any(archs)  # a column of NAS-Bench-201 arch strings, in runs of its space only
    more = [name for name in figure_names() if any(name in p.more_figures for p in front)]
    writer.writerow(["trial", "baseline", "val_accuracy", "test_accuracy", "macs", "params", "latency", *more,
                     "genes", "spec", *([ARCH_FIELD] if named else [])])
    for p, arch in zip(front, archs, strict=True):
        writer.writerow([p.trial if p.trial is not None else "", p.baseline or "", f"{p.val_accuracy:.6f}",
                         f"{p.test_accuracy:.6f}" if p.test_accuracy is not None else "", p.macs, p.params,
                         f"{p.latency:.9f}" if p.latency is not None else "",
                         *(p.more_figures.get(name, "") for name in more),
                         json.dumps(p.genes, sort_keys=True) if p.genes is not None else "",
                         json.dumps(p.spec, sort_keys=True), *([arch] if named else [])])
    write_atomically(run_dir / FRONT_CSV, buffer.getvalue())


def read_front(run_dir: Path) -> dict[str, Any]:
    """The summary and front a search wrote, or an error when `run_dir` holds none."""
    path = Path(run_dir) / FRONT_JSON
    if not Path(run_dir).is_dir():
        raise NasboxError(f"{run_dir}: no such run directory; give the --run-dir of a 'nasbox search'")
    if not path.exists():
        raise NasboxError(f"{run_dir}: no {FRONT_JSON} here, so it is not a nasbox run directory or no trial has "
                          "finished yet; give the --run-dir of a 'nasbox search'")
    try:
        data = json.loads(read_text(path))
    except json.JSONDecodeError as exc:
        raise NasboxError(f"{path}: not valid JSON ({exc.msg}); rerun 'nasbox search' to rewrite it") from None
    if not isinstance(data, dict) or any("val_accuracy" not in p for p in data.get("front", [])):
        raise NasboxError(f"{path}: written by an older nasbox, with no validation/test split of its scores; run "
                          "'nasbox search' into a new --run-dir")
    return data
