"""`nasbox fidelity --reference nb201:cifar10`: a proxy measured against NAS-Bench-201's published accuracies."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from scipy import stats

from nasbox.cli.main import main
from nasbox.nb201 import lookup
from nasbox.nb201.space import arch_of_genes
from tests.test_fidelity import kill_after_first_record, records_of

TINY = ["--space", "nb201", "-n", "4", "--epochs", "1", "--width-mult", "0.25", "--subset", "200", "--jobs", "1",
        "--threads", "1"]


@pytest.mark.slow
def test_tau_against_the_published_table_is_scipys_and_a_killed_measurement_resumes_without_retraining(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """SIGKILLed after its first record and run again with the same command, the measurement trains only what was
    missing; its τ is scipy's on the recorded proxy scores against the table's mean accuracies."""
    folder = tmp_path / "m"
    args = ["fidelity", *TINY, "--reference", "nb201:cifar10", "--dir", str(folder)]
    kill_after_first_record([sys.executable, "-m", "nasbox.cli.main", *args], folder)
    finished = records_of(folder)
    assert finished, "killed after its first record"

    assert main([*args, "--json"]) == 0
    first = json.loads(capsys.readouterr().out)
    assert first["trained"] == 8 - len(finished) and first["settings"]["reference"] == {"published": "nb201:cifar10"}
    after = records_of(folder)
    assert len(after) == 8 and {name: after[name] for name in finished} == finished, "untouched, not retrained"
    networks = first["networks"]
    published = [lookup(arch_of_genes(n["genes"])).mean_accuracy["cifar10"] / 100 for n in networks]
    assert [n["reference"] for n in networks] == pytest.approx(published)
    proxy = [n["proxy"][0] for n in networks]
    tau = next(a for a in first["agreements"] if a["score"] == "proxy (seed 0)")["kendall_tau"]
    expected = stats.kendalltau(proxy, published).statistic
    assert tau == (None if len(set(proxy)) == 1 else pytest.approx(expected))
    assert first["top_count"] == 1 and first["published_ceiling"]["kendall_tau"] is not None
    assert main([*args, "--json"]) == 0
    again = json.loads(capsys.readouterr().out)
    assert again["trained"] == 0 and again["networks"] == networks and records_of(folder) == after


@pytest.mark.parametrize(("extra", "problem"), [
    (["--reference", "nb201:cifar"], "dataset 'cifar' is not in the NAS-Bench-201 table"),
    (["--reference", "nasbench101:cifar10"], "give a published table as nb201:cifar10"),
    (["--reference", "nb201:cifar10", "--reference-epochs", "4"], "drop the --reference-* settings"),
])
def test_bad_published_references_are_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str], extra: list[str],
                                               problem: str) -> None:
    assert main(["fidelity", *TINY, "--dir", str(tmp_path / "m"), *extra]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and problem in err
    assert not (tmp_path / "m").exists()


def test_the_published_table_needs_the_nb201_space(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    args = ["fidelity", "--space", "resnet", "-n", "4", "--reference", "nb201:cifar10", "--dir", str(tmp_path / "m")]
    assert main(args) == 2
    assert "add --space nb201" in capsys.readouterr().err
