"""The same small search through both backends on this machine, with one worker each, run one after the other:
the overhead of Ray over the local backend as ratios of one run each (the whole command, Ray's start included; and
per trial, from the first trial's start to the last one's end in the study, which leaves the start out), and
whether their fronts hold the same trials for the same seed (with one worker the sampler sees the same history, so
they should). Run it on an otherwise idle machine: Ray runs its workers at nice 15, so any other load starves them.

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

import optuna

SEARCH = ["--space", "inception_resnet", "--budget-macs", "600M", "--subset", "300", "--epochs", "1",
          "--threads", "1", "--baselines", "none", "--quiet"]
BACKENDS = {"local": ["--jobs", "1"], "ray": ["--backend", "ray", "--max-concurrent", "1"]}


def run(backend: str, trials: int, folder: Path) -> tuple[float, float, list[tuple], list[tuple]]:
    """Wall seconds of one search through `backend`, seconds per trial within it, its front's trials, and every
    trial's number, genes and value."""
    run_dir = folder / backend
    shutil.rmtree(run_dir, ignore_errors=True)
    started = time.monotonic()
    subprocess.run([sys.executable, "-m", "nasbox.cli.main", "search", *SEARCH, *BACKENDS[backend], "--trials",
                    str(trials), "--run-dir", str(run_dir)], check=True, stdout=subprocess.DEVNULL)
    seconds = time.monotonic() - started
    storage = optuna.storages.JournalStorage(optuna.storages.journal.JournalFileBackend(str(run_dir / "study.journal")))
    done = [t for t in optuna.load_study(study_name="search", storage=storage).trials if t.datetime_complete]
    span = max(t.datetime_complete for t in done) - min(t.datetime_start for t in done)
    front = json.loads((run_dir / "front.json").read_text())["front"]
    everything = [(t.number, json.dumps(t.params, sort_keys=True), t.values) for t in done]
    return seconds, span.total_seconds() / len(done), sorted((p["trial"], json.dumps(p["genes"], sort_keys=True))
                                                             for p in front), everything


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=6)
    parser.add_argument("--dir", default="runs/bench-backends")
    args = parser.parse_args()
    folder = Path(args.dir)
    folder.mkdir(parents=True, exist_ok=True)
    (local, local_trial, local_front, local_all), (ray, ray_trial, ray_front, ray_all) = (
        run(b, args.trials, folder) for b in BACKENDS)
    print(f"{args.trials} trials, one worker each, ray / local (one run each):")
    print(f"  the whole command, Ray's start included: x{ray / local:.2f}")
    print(f"  per trial, first start to last end:      x{ray_trial / local_trial:.2f}")
    print(f"fronts' trial sets agree: {'yes' if local_front == ray_front else 'no'} "
          f"({len(local_front)} and {len(ray_front)} members)")
    print(f"every trial's genes and score agree: {'yes' if local_all == ray_all else 'no'} "
          f"({len(local_all)} and {len(ray_all)} trials)")


if __name__ == "__main__":
    main()
