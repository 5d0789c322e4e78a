"""`nasbox export` for zoo networks and spec files as a user runs it: default folders, --weights, --force, bad
input answered in one line with nothing written, and hostile names that must stay text."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import torch
import yaml

import nasbox
from nasbox import zoo
from tests.test_cli import _assert_one_line_error as assert_one_line_error
from tests.test_export_api import tree
from tests.test_export_source import ROOT, ruff
from tests.test_search_cli import nasbox_cli

HOSTILE = 'q"uo\'te """triple""" back\\slash\nnew line __import__(\'os\').system(\'touch PWNED\')'


def test_zoo_and_spec_file_exports_land_in_exports_name_by_default(tmp_path: Path) -> None:
    result = nasbox_cli("export", "--zoo", "lenet5", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout == "lenet5 → exports/lenet5: model.json, model.py, spec.yaml, weights.pt\n"
    record = json.loads((tmp_path / "exports" / "lenet5" / "model.json").read_text())
    assert record["source"] == {"kind": "zoo", "name": "lenet5", "variant": zoo.entry("lenet5").variant}

    spec_file = tmp_path / "tiny.yaml"
    spec_file.write_text(zoo.get("squeezenet1_1").replace(name="my squeeze/net").to_yaml())
    torch.manual_seed(4)
    trained = nasbox.build(zoo.get("squeezenet1_1")).state_dict()
    torch.save(trained, tmp_path / "trained.pt")
    result = nasbox_cli("export", str(spec_file), "--weights", str(tmp_path / "trained.pt"), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    folder = tmp_path / "exports" / "my_squeeze_net"
    kept = torch.load(folder / "weights.pt", weights_only=True)
    assert all(torch.equal(kept[k], trained[k]) for k in trained)
    assert json.loads((folder / "model.json").read_text())["source"]["kind"] == "spec file"

    again = nasbox_cli("export", str(spec_file), cwd=tmp_path)
    assert_one_line_error(again, "is not empty; give --force")
    forced = nasbox_cli("export", str(spec_file), "--force", "--seed", "1", cwd=tmp_path)
    assert forced.returncode == 0, forced.stderr
    assert json.loads((folder / "model.json").read_text())["weights"] == {"kind": "initial", "seed": 1}


@pytest.mark.parametrize(("args", "expected"), [
    (("--zoo", "resnet19"), "unknown zoo network 'resnet19'"),
    (("broken.yaml",), "broken.yaml:4:1: malformed YAML"),
    (("missing.yaml",), "missing.yaml: no such file"),
    (("--zoo", "lenet5", "-o", "busy"), "-o busy: is not empty; give --force"),
    (("--zoo", "lenet5", "-o", "busy/file.txt"), "is a file"),
    (("--zoo", "lenet5", "--weights", "garbage.pt"), "torch.load(..., weights_only=True) cannot read it"),
    (("--zoo", "lenet5", "--weights", "nin.pt"), "has no 'layers.0.conv.weight'"),
    (("--zoo", "lenet5", "--weights", "list.pt"), "holds a list, not a state_dict"),
    (("--zoo", "lenet5", "broken.yaml"), "not two of them"),
    ((), "nothing to export"),
    (("--zoo", "lenet5", "--proxy"), "--proxy exports the trained proxy of a run's member"),
    (("--zoo", "lenet5", "--format", "pdf"), "unknown format 'pdf'"),
    (("--zoo", "lenet5", "--trial", "abc"), "invalid int value: 'abc'"),
])
def test_bad_input_is_one_line_exit_2_and_writes_nothing(tmp_path: Path, args: tuple[str, ...], expected: str) -> None:
    (tmp_path / "broken.yaml").write_text("name: broken\nlayers:\n  - {type: conv, out: 8\n")
    (tmp_path / "busy").mkdir()
    (tmp_path / "busy" / "file.txt").write_text("mine")
    (tmp_path / "garbage.pt").write_bytes(b"\x00 not torch")
    torch.save(nasbox.build(zoo.get("nin")).state_dict(), tmp_path / "nin.pt")
    torch.save([1, 2], tmp_path / "list.pt")
    before = tree(tmp_path)
    assert_one_line_error(nasbox_cli("export", *args, cwd=tmp_path), expected)
    assert tree(tmp_path) == before


def _run_and_import_hostile(folder: Path, cwd: Path) -> subprocess.CompletedProcess:
    """Import the exported module and run it in `cwd`, as a user would."""
    probe = ("import importlib.util, json, sys, torch; folder = sys.argv[1]; "
             "record = json.load(open(folder + '/model.json')); "
             "spec = importlib.util.spec_from_file_location('m', folder + '/model.py'); "
             "m = importlib.util.module_from_spec(spec); spec.loader.exec_module(m); "
             "model = getattr(m, record['class'])().eval(); "
             "model.load_state_dict(torch.load(folder + '/weights.pt', weights_only=True)); "
             "print(tuple(model(torch.randn(2, *record['input'])).shape)); print(m.__doc__)")
    return subprocess.run([sys.executable, "-c", probe, str(folder)], capture_output=True, text=True, cwd=cwd,
                          timeout=120)


@pytest.mark.slow
def test_hostile_spec_and_space_names_reach_the_files_only_as_text(tmp_path: Path) -> None:
    """A spec name, a space file name and a space description full of quotes, triple quotes, backslashes, newlines
    and code: the exported files compile, pass ruff, run, and create nothing; the names read back exactly."""
    home = tmp_path / "user"
    home.mkdir()
    spec_file = home / "net.yaml"
    spec_file.write_text(zoo.get("lenet5").replace(name=HOSTILE).to_yaml())
    spec_export = nasbox_cli("export", str(spec_file), "-o", str(home / "spec-export"), cwd=home)
    assert spec_export.returncode == 0, spec_export.stderr

    space_text = (ROOT / "search_spaces" / "inception_resnet.yaml").read_text()
    space_text = space_text.replace("name: inception_resnet\n", "name: hostile\n")
    description = next(line for line in space_text.splitlines() if line.startswith("description:"))
    space_text = space_text.replace(description, f"description: {json.dumps(HOSTILE)}")
    space_file = home / (HOSTILE.replace("/", "_").replace("\n", "_") + ".yaml")
    space_file.write_text(space_text)
    search = nasbox_cli("search", "--space", str(space_file), "--budget-macs", "600M", "--subset", "200", "--epochs",
                        "1", "--trials", "1", "--jobs", "1", "--threads", "1", "--baselines", "none", "--run-dir",
                        str(home / "run"), "--quiet", cwd=home)
    assert search.returncode == 0, search.stderr
    run_export = nasbox_cli("export", str(home / "run"), "--rank", "1", "--proxy", "-o", str(home / "run-export"),
                            cwd=home)
    assert run_export.returncode == 0, run_export.stderr

    sources = [home / "spec-export" / "model.py", home / "run-export" / "model.py"]
    result = ruff(*sources)
    assert result.returncode == 0, result.stdout
    docstrings = []
    for source in sources:
        compile(source.read_text(), str(source), "exec")
        ran = _run_and_import_hostile(source.parent, home)
        assert ran.returncode == 0, ran.stderr
        docstrings.append(ran.stdout)
    assert " ".join(HOSTILE.split()) in docstrings[0], "the docstring shows the name as text"
    assert "Space description: q\"uo'te \"\"\"triple" in docstrings[1]
    assert not list(tmp_path.rglob("PWNED")) and not (ROOT / "PWNED").exists()
    assert nasbox.load_spec(home / "spec-export" / "spec.yaml").name == HOSTILE
    assert json.loads((home / "spec-export" / "model.json").read_text())["name"] == HOSTILE
    assert yaml.safe_load((home / "spec-export" / "spec.yaml").read_text())["name"] == HOSTILE
    assert json.loads((home / "run-export" / "model.json").read_text())["run"]["space"] == str(space_file)
