"""Worker processes that run nasbox's own program (`python -m <module>`), never the caller's script, so a script
without a main guard, a notebook and the CLI start workers alike; they are killed when stopped or interrupted."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from collections.abc import Sequence
from pathlib import Path

POLL_SECONDS = 0.2


def run_workers(module: str, arguments: Sequence[str], count: int, stop: threading.Event | None = None) -> list[int]:
    """Run `count` processes of `python -m module *arguments --index i` (i = 0 … count-1, each told this process's
    id as `--parent`) until all end or `stop` is set; returns their exit codes."""
    import nasbox

    package_root = str(Path(nasbox.__file__).resolve().parents[1])
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [package_root, os.environ.get("PYTHONPATH")]))}
    command = [sys.executable, "-m", module, *arguments, "--parent", str(os.getpid())]
    processes = [subprocess.Popen([*command, "--index", str(index)], env=env) for index in range(count)]
    try:
        while any(p.poll() is None for p in processes) and not (stop is not None and stop.is_set()):
            time.sleep(POLL_SECONDS)
    finally:
        for process in processes:
            if process.poll() is None:
                process.kill()
            process.wait()
    return [p.returncode for p in processes]
