"""The same small search through both backends on this machine, with one worker each: the per-trial overhead of
Ray over the local backend (wall time per finished trial, ratio of one run each), and whether their fronts hold
the same trials for the same seed (with one worker the sampler sees the same history, so they should).

    python experiments/bench/backends.py [--trials 6] [--dir runs/bench-backends]
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import time
from pathlib import Path

SEARCH = ["--space", "inception_resnet", "--budget-macs", "600M", "--subset", "300", "--epochs", "1",
          "--threads", "1", "--baselines", "none", "--quiet"]
BACKENDS = {"local": ["--jobs", "1"], "ray": ["--backend", "ray", "--max-concurrent", "1"]}


def run(backend: str, trials: int, folder: Path) -> tuple[float, list[tuple]]:
    """Wall seconds of one search through `backend` and its front's trials (number, genes)."""
    run_dir = folder / backend
    shutil.rmtree(run_dir, ignore_errors=True)
    started = time.monotonic()
    subprocess.run([sys.executable, "-m", "nasbox.cli.main", "search", *SEARCH, *BACKENDS[backend], "--trials",
                    str(trials), "--run-dir", str(run_dir)], check=True, stdout=subprocess.DEVNULL)
    seconds = time.monotonic() - started
    front = json.loads((run_dir / "front.json").read_text())["front"]
    return seconds, sorted((p["trial"], json.dumps(p["genes"], sort_keys=True)) for p in front)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=6)
    parser.add_argument("--dir", default="runs/bench-backends")
    args = parser.parse_args()
    folder = Path(args.dir)
    folder.mkdir(parents=True, exist_ok=True)
    (local, local_front), (ray, ray_front) = (run(b, args.trials, folder) for b in BACKENDS)
    print(f"{args.trials} trials, one worker: local {local:.1f} s ({local / args.trials:.2f} s/trial), "
          f"ray {ray:.1f} s ({ray / args.trials:.2f} s/trial, Ray's start included)")
    print(f"per-trial overhead of ray over local: x{ray / local:.2f} (one run each)")
    print(f"fronts' trial sets agree: {'yes' if local_front == ray_front else 'no'} "
          f"({len(local_front)} and {len(ray_front)} members)")


if __name__ == "__main__":
    main()
