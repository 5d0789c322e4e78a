"""`measure_fidelity`: check the request, draw the networks, write the plan, train the missing records with worker
processes (one single-threaded worker per core on the CPU, one on CUDA, as a search), then summarise them."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from nasbox.errors import NasboxError
from nasbox.fidelity.plan import FidelityPlan, check_request, default_folder, networks_of, write_plan
from nasbox.fidelity.published import PublishedReference, parse_reference
from nasbox.fidelity.summary import FidelityReport, summarise
from nasbox.jobs import read_records, run_sharded
from nasbox.rescore.plan import make_recipe
from nasbox.rescore.run import DEFAULT_EPOCHS_FACTOR
from nasbox.search.config import SearchConfig
from nasbox.search.storage_files import write_atomically

if TYPE_CHECKING:
    from nasbox.proxy import ProxyConfig
    from nasbox.space.space import Candidate, Space

SUMMARY = "summary.json"


@dataclass(frozen=True)
class FidelityOutcome:
    """What a measurement found, where its records live, what this invocation trained and how long it took."""

    report: FidelityReport
    plan: FidelityPlan
    folder: Path
    trained: int
    seconds: float

    def to_dict(self) -> dict[str, Any]:
        config = self.plan.config
        settings = {"space": config.space, "budget_macs": config.budget_macs, "budget_params": config.budget_params,
                    "n": len(self.plan.networks), "seed": config.seed, "dataset": config.dataset,
                    "subset": config.subset, "val_fraction": config.val_fraction,
                    "test_fraction": config.test_fraction, "proxy": config.proxy.to_dict(),
                    "reference": self.plan.reference.to_dict()}
        return {"folder": str(self.folder), "settings": settings, "trained": self.trained,
                "seconds": round(self.seconds, 3), **self.report.to_dict()}


def measure_fidelity(config: SearchConfig, count: int, *, reference_epochs: int | None = None,
                     reference_width_mult: float | None = None, reference_resolution: int | None = None,
                     reference_relax_strides: int | None = None, published: str | None = None,
                     directory: str | Path | None = None) -> FidelityOutcome:
    """Draw `count` networks of `config.space` within its budgets (seeded by `config.seed`), train each with the
    proxy `config.proxy` (two seeds) and with the reference recipe (the proxy with the given settings; epochs by
    default three times the proxy's), score all on the test split, and say how well the proxy ranks them; records
    in `directory` (default runs/fidelity-<space>-<budget>-<digest>), so a killed measurement resumes.

    With `published` (`nb201:cifar10`, `nb201:cifar100` or `nb201:imagenet16`; space nb201), the reference is
    NAS-Bench-201's published accuracy and the cells are drawn uniformly from its 15,625, without repeats."""
    from nasbox.devices import select_device
    from nasbox.space import load_space

    started = time.monotonic()
    reference: ProxyConfig | PublishedReference
    if published is not None:
        if any(value is not None for value in (reference_epochs, reference_width_mult, reference_resolution,
                                                reference_relax_strides)):
            raise NasboxError("--reference takes the published figures as they are; drop the --reference-* "
                              "settings of a trained reference")
        reference = parse_reference(published, config.space)
    else:
        epochs = reference_epochs if reference_epochs is not None else config.proxy.epochs * DEFAULT_EPOCHS_FACTOR
        reference = make_recipe(config.proxy, epochs=epochs, width_mult=reference_width_mult,
                                resolution=reference_resolution, relax_strides=reference_relax_strides)
    check_request(config.proxy, reference, count)
    space = load_space(config.space)
    plan = FidelityPlan(config, reference, networks_of(_draw(space, config, count, published is not None)))
    folder = Path(directory) if directory is not None else default_folder(config, reference)
    jobs, threads = config.workers(select_device(config.device).type == "cuda")
    try:
        before = len(read_records(folder))
        write_plan(folder, plan)
        run_sharded("nasbox.fidelity.worker", [str(folder)], min(jobs, len(plan.jobs())), threads,
                    lambda index, workers: _run_jobs(folder, index, workers), "fidelity")
        records = read_records(folder)
        report = summarise(plan, records)
        outcome = FidelityOutcome(report, plan, folder, len(records) - before, time.monotonic() - started)
        write_atomically(folder / SUMMARY, json.dumps(outcome.to_dict(), indent=2) + "\n")
    except OSError as exc:
        raise NasboxError(f"cannot write to {folder} ({exc.strerror or exc}); free space or fix the folder's "
                          "permissions, then rerun the same command to resume") from None
    return outcome


def _draw(space: Space, config: SearchConfig, count: int, every_cell: bool) -> list[Candidate]:
    """The networks to measure: drawn within the budgets as `nasbox sample` draws them, or, against a published
    table, NAS-Bench-201 cells drawn uniformly without repeats (those over a budget passed over)."""
    import random

    from nasbox.fidelity.published import draw_cells
    from nasbox.nb201.arch import CELLS
    from nasbox.nb201.space import genes_of
    from nasbox.space.sampling import sample_within

    if not every_cell:
        return sample_within(space, random.Random(config.seed), config.budget, count)[0]
    found = []
    for arch in draw_cells(config.seed, CELLS):
        genes = genes_of(arch)
        candidate = space.candidate(genes, space.render(genes))
        if config.budget.admits(candidate.cost):
            found.append(candidate)
            if len(found) == count:
                return found
    raise NasboxError(f"-n {count}: only {len(found)} NAS-Bench-201 cells are within {config.budget.describe()}; "
                      "lower -n or raise the budget")


def _run_jobs(folder: Path, index: int, jobs: int) -> None:
    """The in-process worker; imported late, so that `python -m nasbox.fidelity.worker` finds its module unloaded."""
    from nasbox.fidelity.worker import run_jobs

    run_jobs(folder, index, jobs)
