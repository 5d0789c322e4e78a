"""Which proxy should be the default? `nasbox fidelity` for a grid of proxies against one fixed, costlier reference,
on the same networks of the default space and data: a table of τ, ρ, noise ceiling, MACs' τ, top-20% overlap and
CPU-seconds per network for every proxy.

Every proxy of the grid is measured against the same reference trainings: the networks, the data split and the
reference's training seeds are the same for all, so the reference records of the first measurement are linked into
the others' folders before they run instead of being trained again. Likewise a proxy measured before against another
reference (a folder `proxy-TEXT-reference-*` under --dir with the same settings) lends its proxy records, so a new
reference trains only itself and the proxies never measured. Each measurement resumes, so the study may run in parts
(rerun the same command).

    python experiments/bench/proxy_fidelity.py [-n 30] [--grid 1x0.25x32,2x0.25x32,...] [--reference 8x0.5x64]
        [--space inception_resnet] [--budget-macs 600M] [--subset N] [--jobs 2] [--dir runs/bench-proxy-fidelity]

Measured on the shared 2-vCPU VM (process CPU time per training; see the README's "The proxy-fidelity study"):
the 8-epoch, width-0.5, 64-px reference costs 155 CPU-s a network (30 trained in 79 minutes beside other work), the
64-px proxy 22.4 (60 trainings, 14.7 minutes); the 32-px proxies' records came from the earlier measurement against
the 32-px reference (8x0.5x32, 60 CPU-s; that grid, -n 30, ran in 53 minutes), at 5.4 to 19.5 CPU-s.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from nasbox.fidelity import measure_fidelity
from nasbox.fidelity.plan import PLAN, PROXY, REFERENCE, check_request, read_plan
from nasbox.fidelity.summary import agreement
from nasbox.jobs import RECORDS
from nasbox.rescore.plan import make_recipe
from nasbox.search import SearchConfig, make_config

DEFAULT_GRID = "1x0.25x32,2x0.25x32,4x0.25x32,2x0.5x32,2x0.25x32r1,2x0.25x64"


def recipe(text: str) -> dict[str, str]:
    """EPOCHSxWIDTHxRESOLUTION[rN], e.g. 2x0.25x32, or 2x0.25x32r1 with the first downsampling layer relaxed."""
    shape, _, relaxed = text.partition("r")
    epochs, width, resolution = shape.split("x")
    return {"epochs": epochs, "width_mult": width, "resolution": resolution, "relax_strides": relaxed or "0"}


def link_records(source: Path, folder: Path, recipe: str) -> None:
    """Link the records of one recipe (proxy or reference) that `source` holds into `folder`."""
    if not (source / RECORDS).is_dir():
        return
    (folder / RECORDS).mkdir(parents=True, exist_ok=True)
    for path in (source / RECORDS).glob(f"*-{recipe}-seed*.json"):
        target = folder / RECORDS / path.name
        if not target.exists():
            os.link(path, target)


def earlier_proxy_folders(root: Path, text: str, config: SearchConfig, folder: Path) -> list[Path]:
    """Folders under `root` that measured the proxy `text` with the same settings against another reference: the
    same settings draw the same networks and split and seed the proxy's trainings alike, so their records hold."""
    return [other for other in sorted(root.glob(f"proxy-{text}-reference-*"))
            if other != folder and (other / PLAN).is_file() and read_plan(other).config.identity() == config.identity()]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=30, help="networks (default 30)")
    parser.add_argument("--grid", default=DEFAULT_GRID, help=f"proxies, EPOCHSxWIDTHxRES, comma-separated "
                                                            f"(default {DEFAULT_GRID})")
    parser.add_argument("--reference", default="8x0.5x64", help="the reference, EPOCHSxWIDTHxRES (default 8x0.5x64)")
    parser.add_argument("--space", default="inception_resnet")
    parser.add_argument("--budget-macs", default="600M")
    parser.add_argument("--subset", help="images of the built-in data (default all)")
    parser.add_argument("--jobs", default="2")
    parser.add_argument("--dir", default="runs/bench-proxy-fidelity")
    args = parser.parse_args()
    given = recipe(args.reference)
    reference = {"epochs": int(given["epochs"]), "width_mult": float(given["width_mult"]),
                 "resolution": int(given["resolution"]), "relax_strides": int(given["relax_strides"])}
    grid = {}
    for text in args.grid.split(","):  # every request is checked before anything is trained or linked
        settings = {"space": args.space, "budget_macs": args.budget_macs, "subset": args.subset, "jobs": args.jobs,
                    "threads": "1", **recipe(text)}
        config = make_config({k: v for k, v in settings.items() if v is not None})
        check_request(config.proxy, make_recipe(config.proxy, **reference), args.n)
        grid[text] = config
    rows, first = [], None
    for text, config in grid.items():
        folder = Path(args.dir) / f"proxy-{text}-reference-{args.reference}"
        if first is not None:
            link_records(first, folder, REFERENCE)
        for other in earlier_proxy_folders(Path(args.dir), text, config, folder):
            link_records(other, folder, PROXY)
        outcome = measure_fidelity(config, args.n, directory=folder,
                                   **{f"reference_{name}": value for name, value in reference.items()})
        first = first or folder
        report = outcome.report
        proxy, ceiling, macs = report.agreement("proxy (seed 0)"), report.noise_ceiling, report.agreement("MACs")
        scored = report.scored
        seed1 = agreement("proxy (seed 1)", [n.proxy[1] for n in scored], "reference",
                          [n.reference for n in scored], [n.key for n in scored], report.top_count)
        rows.append((text, proxy.kendall_tau, seed1.kendall_tau, proxy.spearman_rho, ceiling.kendall_tau,
                     macs.kendall_tau, proxy.top_overlap, report.cpu_seconds["proxy"], report.cost_share))
        print(f"{text}: done ({outcome.trained} trainings this time, {outcome.seconds / 60:.1f} min)", flush=True)

    def number(value: float | None, form: str) -> str:
        return format(value, form) if value is not None else "–"

    print(f"\n{args.n} networks of {args.space} within {args.budget_macs} MACs; reference {args.reference} "
          "(epochs x width x resolution); test split")
    print("| proxy | τ | τ seed 1 | ρ | noise ceiling τ | MACs τ | top-20% overlap | CPU-s per network | share of "
          "reference |")
    print("|---|---|---|---|---|---|---|---|---|")
    for text, tau, tau1, rho, noise, mac, top, cpu, share in rows:
        print(f"| {text} | {number(tau, '+.3f')} | {number(tau1, '+.3f')} | {number(rho, '+.3f')} | "
              f"{number(noise, '+.3f')} | {number(mac, '+.3f')} | {number(top, '.0%')} | {number(cpu, '.1f')} | "
              f"{number(share, '.1%')} |")


if __name__ == "__main__":
    main()
