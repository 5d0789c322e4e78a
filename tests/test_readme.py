"""The README's "From Python" block, run as a plain script (no `if __name__ == "__main__"` guard), as a user would
paste it into a file: the search it ends with starts its worker processes as nasbox's own program, so the script is
not run again in each of them."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[1] / "README.md"
SEARCH = '"trials": 10}'
EVALUATE = "ProxyConfig(epochs=2)"


def python_block() -> str:
    [block] = re.findall(r"```python\n(.*?)```", README.read_text(), re.S)
    return block


@pytest.mark.slow
def test_the_readme_python_block_runs_as_a_script_with_worker_processes(tmp_path: Path) -> None:
    block = python_block()
    assert SEARCH in block, "the block ends with a search whose trial count this test shrinks"
    script = tmp_path / "readme_example.py"
    assert EVALUATE in block, "the block trains one proxy, which this test shortens"
    shortened = block.replace(SEARCH, '"trials": 2, "subset": 300, "epochs": 1, "width_mult": 0.25, "jobs": 2, '
                                      '"baselines": "none"}')
    script.write_text(shortened.replace(EVALUATE, "ProxyConfig(epochs=1, width_mult=0.25)"))
    result = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, cwd=tmp_path,
                            timeout=600)
    assert result.returncode == 0, result.stderr
    assert "in use by another" not in result.stderr
    assert "Point(trial=" in result.stdout
    assert (tmp_path / "runs" / "mobilenet-300M" / "front.json").exists()
