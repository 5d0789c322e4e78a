"""Pack the NAS-Bench-201 CSV (nb201.csv.gz, 15,625 rows; see its README) into the table that nasbox ships,
nasbox/nb201/table.npz, and check that the packed table reads back to the CSV's every value.

Rows go in arch-index order (nasbox.nb201.arch.arch_index), so no arch string is stored; every row's `ops` must
agree with its `arch`. Each numeric column is stored as integers in units of 10**-d of its unit, d being the most
decimals the column's text has (a dataset's three seed columns as one cells × seeds array, -1 where a seed is
missing), under the key `<column>__e<d>`: int / 10**d is exactly the float that the CSV's text parses to, which a
float32 copy is not. The check reads the file back through nasbox.nb201.table.load_table and holds every value
against the CSV's text, formatted back with that text's own decimals.

    python experiments/nb201/pack_table.py [CSV] [--out nasbox/nb201/table.npz]

CSV defaults to ../shared/data/nb201/nb201.csv.gz beside the repository.
"""

from __future__ import annotations

import argparse
import csv
import gzip
import math
import re
import time
from decimal import Decimal
from pathlib import Path

import numpy as np

from nasbox.nb201.arch import CELLS, arch_index, format_arch, parse_arch
from nasbox.nb201.table import DATASET_COLUMNS, load_table

REPO = Path(__file__).resolve().parents[2]
SEED_COLUMN = re.compile(r"^(.*)_seed(\d)$")


def read_rows(path: Path) -> list[dict[str, str]]:
    """The CSV's rows in arch-index order, each checked: its ops agree with its arch, every cell once."""
    with gzip.open(path, "rt", newline="") as file:
        rows = list(csv.DictReader(file))
    ordered: dict[int, dict[str, str]] = {}
    for row in rows:
        ops = parse_arch(row["arch"])
        if "".join(map(str, ops)) != row["ops"]:
            raise SystemExit(f"{path}: ops {row['ops']} disagree with arch {row['arch']}")
        if format_arch(ops) != row["arch"]:
            raise SystemExit(f"{path}: arch {row['arch']} is not in the canonical form")
        if ordered.setdefault(arch_index(ops), row) is not row:
            raise SystemExit(f"{path}: arch {row['arch']} appears twice")
    if len(ordered) != CELLS:
        raise SystemExit(f"{path}: {len(ordered)} cells, NAS-Bench-201 has {CELLS}")
    return [ordered[i] for i in range(CELLS)]


def decimals(text: str) -> int:
    return len(text.partition(".")[2])


def encode(texts: list[str]) -> tuple[np.ndarray, int]:
    """The column's values as exact integers in units of 10**-d (-1 where empty), and d."""
    places = max(decimals(t) for t in texts)
    ints = [int(Decimal(t).scaleb(places)) if t else -1 for t in texts]
    if any(t and (i < 0 or Decimal(i).scaleb(-places) != Decimal(t)) for t, i in zip(texts, ints, strict=True)):
        raise SystemExit("a value is negative or not a plain decimal; the -1 marker and the scaling assume neither")
    if max(ints) >= 2**31:
        raise SystemExit("a value does not fit int32 at its decimals")
    return np.array(ints, dtype=np.int32), places


def pack(rows: list[dict[str, str]]) -> dict[str, np.ndarray]:
    """The npz's arrays, keyed `<column>__e<d>`; a dataset's seed columns stacked as cells × seeds."""
    columns = [c for c in rows[0] if c not in ("arch", "ops")]
    arrays: dict[str, np.ndarray] = {}
    for prefix in DATASET_COLUMNS.values():
        seeds = sorted((c for c in columns if SEED_COLUMN.match(c) and SEED_COLUMN.match(c)[1] == prefix),
                       key=lambda c: int(SEED_COLUMN.match(c)[2]))
        encoded = [encode([row[c] for row in rows]) for c in seeds]
        places = max(p for _, p in encoded)
        arrays[f"{prefix}__e{places}"] = np.stack(
            [np.where(ints < 0, -1, ints * 10 ** (places - p)) for ints, p in encoded], axis=1).astype(np.int32)
    for column in columns:
        if not SEED_COLUMN.match(column):
            ints, places = encode([row[column] for row in rows])
            arrays[f"{column}__e{places}"] = ints
    return arrays


def check(path: Path, rows: list[dict[str, str]]) -> int:
    """Read `path` back as nasbox does and hold every value against the CSV's text; the count of values held."""
    table = load_table(path)
    held = 0
    for column in rows[0]:
        if column in ("arch", "ops"):
            continue
        for row, value in zip(rows, table.column(column).tolist(), strict=True):
            text = row[column]
            exact = math.isnan(value) if not text else value == float(text) and f"{value:.{decimals(text)}f}" == text
            if not exact:
                raise SystemExit(f"{path}: {column} of {row['arch']} reads back as {value!r}, the CSV has {text!r}")
            held += 1
    if table.archs() != tuple(row["arch"] for row in rows):
        raise SystemExit(f"{path}: its row order is not the arch-index order")
    return held


def float32_round_trips(rows: list[dict[str, str]]) -> tuple[bool, bool]:
    """Whether float32 copies of the values would format back to the CSV's text, and whether they equal its
    floats (the reason to store scaled integers)."""
    texts = [row[c] for row in rows for c in row if c not in ("arch", "ops") and row[c]]
    singles = np.array([float(t) for t in texts], dtype=np.float32).tolist()
    formats = all(f"{v:.{decimals(t)}f}" == t for v, t in zip(singles, texts, strict=True))
    return formats, all(v == float(t) for v, t in zip(singles, texts, strict=True))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("csv", nargs="?", type=Path, default=REPO.parent / "shared/data/nb201/nb201.csv.gz")
    parser.add_argument("--out", type=Path, default=REPO / "nasbox/nb201/table.npz")
    args = parser.parse_args()
    rows = read_rows(args.csv)
    arrays = pack(rows)
    np.savez_compressed(args.out, **arrays)
    held = check(args.out, rows)
    started = time.perf_counter()
    load_table(args.out)
    seconds = time.perf_counter() - started
    formats, equal = float32_round_trips(rows)
    params = [int(Decimal(row["params_mb"]).scaleb(6)) for row in rows]
    print(f"{args.out}: {args.out.stat().st_size:,} bytes, {len(arrays)} arrays, {len(rows):,} cells in arch-index "
          f"order; all {held:,} values read back exactly; load_table {seconds * 1000:.0f} ms")
    print(f"params_mb as integer parameter counts: {min(params):,} to {max(params):,}, exact")
    print(f"float32 would format back to the CSV's text: {formats}; equal the CSV's floats: {equal}")


if __name__ == "__main__":
    main()
