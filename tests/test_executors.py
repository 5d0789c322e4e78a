"""The executor seam: a search runs its trials through the executor its backend names in the registry, so an
executor written here (trivial, in-process) runs a real tiny search that writes what a local one writes, and the
settings of one backend given to another are refused in one line."""

from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import ClassVar

import pytest

from nasbox.errors import NasboxError
from nasbox.evaluators import ProxyTraining
from nasbox.proxy import ProxyData
from nasbox.search import make_config, run_search
from nasbox.search.config import SearchConfig
from nasbox.search.executors import EXECUTORS, Executor
from nasbox.search.rundir import RunDir
from nasbox.search.training import train
from nasbox.search.worker import Worker
from tests.test_search_cli import search_trials, trained


class Inline(Executor):
    """Trains every trial in this process, one after another, and remembers what it ran."""

    name = label = "inline"
    ran: ClassVar[list[tuple[str, int]]] = []

    def run(self, config: SearchConfig, run: RunDir, data: ProxyData, deadline: float | None,
            stop: threading.Event) -> None:
        worker = Worker(config, run, 0, data)
        evaluator = ProxyTraining(config.proxy, data)
        while not stop.is_set() and (job := worker.scheduler.next_job(deadline)) is not None:
            train(job, config, evaluator, worker.board, worker.space, run.path)
            self.ran.append((job.study.study_name, job.trial.number))


@pytest.fixture
def inline(monkeypatch: pytest.MonkeyPatch) -> type[Inline]:
    monkeypatch.setitem(EXECUTORS, Inline.name, Inline)
    Inline.ran = []
    return Inline


def test_an_executor_written_here_runs_a_tiny_search(inline: type[Inline], tmp_path: Path) -> None:
    run_dir = tmp_path / "run"
    config = make_config({"space": "inception_resnet", "budget_macs": "600M", "subset": "200", "epochs": "1",
                          "width_mult": "0.25", "trials": "2", "baselines": "lenet5", "backend": "inline",
                          "run_dir": str(run_dir)})
    outcome = run_search(config, progress=False)
    trials = search_trials(run_dir)
    assert sorted(n for study, n in inline.ran if study == "search") == [t.number for t in trials if t.params]
    assert ("baselines", 0) in inline.ran and len(trained(trials)) == 2
    front = json.loads((run_dir / "front.json").read_text())
    assert front["trials"]["finished"] == 2 and [b["baseline"] for b in front["baselines"]] == ["lenet5"]
    assert outcome.new_trials == 3 and "backend: inline" in (run_dir / "config.yaml").read_text()


def test_a_setting_of_another_backend_is_refused_naming_it(inline: type[Inline]) -> None:
    with pytest.raises(NasboxError, match="--max-concurrent: a setting of the Ray backend; add --backend ray"):
        make_config({"space": "resnet", "backend": "inline", "max_concurrent": "2"})
    with pytest.raises(NasboxError, match="--backend: unknown value 'slurm'; choose one of local, ray, inline"):
        make_config({"space": "resnet", "backend": "slurm"})
