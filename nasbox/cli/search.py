"""`nasbox search`: run or resume a search in its run directory, then print the front beside the baselines."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

from nasbox.search.config import PROXY_SETTINGS, SEARCH_SETTINGS, flag, make_config, read_config_file
from nasbox.units import LATENCY_UNITS, TIMEOUT_UNITS

if TYPE_CHECKING:
    from nasbox.search.results import Snapshot

FLAG_HELP = {  # flag → (metavar, help text), shared by the commands that take search flags
    "space": ("NAME_OR_FILE", "search space: a name of 'nasbox spaces' or a space YAML file"),
    "budget_macs": ("COUNT", "most MACs of the target network, e.g. 600M (K/M/G)"),
    "budget_params": ("COUNT", "most parameters of the target network, e.g. 5M"),
    "budget_latency": ("DURATION", f"most latency of the target network, e.g. 20ms ({LATENCY_UNITS.rule()})"),
    "latency_table": ("FILE", "predict latency from this table ('nasbox latency-table', built on the target "
                              "device) instead of measuring it here"),
    "latency_device": ("DEVICE", "where latency is measured when there is no table (default cpu)"),
    "latency_threads": ("N", "CPU threads of that measurement (default 1)"),
    "objectives": ("LIST", "accuracy alone, or with any of macs, params, latency (default accuracy,macs)"),
    "dataset": ("NAME", "mnist5k (built in, default), digits (built in), cifar10, mnist or imagefolder"),
    "data_dir": ("DIR", "folder of a cifar10, mnist or imagefolder dataset (cifar10: also its JPEG .zip)"),
    "subset": ("N", "train and validate on N images of the dataset (stratified; default all)"),
    "val_fraction": ("F", "share of the images that selects networks: the sampler sees their accuracy (default "
                          "0.15)"),
    "test_fraction": ("F", "share held out for testing: scored only for the front and the baselines, never seen "
                           "by the sampler (default 0.15)"),
    "seed": ("S", "seed of the data split, the samplers and the proxies' training (default 0)"),
    "trials": ("N", "searched trials to finish in the run directory, over all invocations (default 50)"),
    "timeout": ("DURATION", f"stop starting trials after this long, e.g. 10m ({TIMEOUT_UNITS.rule()}; default "
                            "none)"),
    "jobs": ("N", "worker processes sharing the run's storage (default: one per core, up to 4, on the CPU; "
                  "1 on CUDA)"),
    "sampler": ("NAME", "tpe (default), nsga2 or random"),
    "baselines": ("WHICH", "zoo networks trained as points: budget (those within the budgets, default), all, "
                           "none, or a comma-separated list"),
    "device": ("DEVICE", "auto (CUDA when present, default), cpu, cuda or cuda:N"),
    "threads": ("N", "CPU threads per worker (default: cores / jobs, so 1 by default)"),
    "run_dir": ("DIR", "run directory (default runs/<space>-<budget>)"),
    "force_resume": (None, "resume the run directory although a file it was made with (space, latency table, "
                           "dataset) changed since, recording the change in its config.yaml"),
    "backend": ("NAME", "what runs the trials: local (worker processes on this machine, default) or ray (Ray Tune, "
                        "on a local Ray or a cluster; pip install 'nasbox[ray]')"),
    "address": ("auto|HOST:PORT", "with --backend ray: join this Ray cluster (auto: the one 'ray start' started "
                                  "here) instead of starting a local Ray sized to this machine"),
    "cpus_per_trial": ("C", "with --backend ray: CPUs each trial holds, fractions allowed (default 1)"),
    "gpus_per_trial": ("G", "with --backend ray: GPUs each trial holds, e.g. 0.25 for four proxies per GPU "
                            "(default 0)"),
    "max_concurrent": ("N", "with --backend ray: most trials running at once (default: as many as the resources "
                            "allow)"),
    "max_failures": ("F", "with --backend ray: retries of a trial whose worker died before it is recorded failed "
                          "(default 2)"),
    "early_stopping": ("POLICY", "stop the worst searched trials after epochs 1, 4, 16... below the last, on every "
                                 "backend: none (default), asha (by accuracy; one objective) or mo-asha (by "
                                 "non-dominated sorting of accuracy and the costs); baselines are never stopped"),
    "epochs": ("N", "proxy training epochs (default 2)"),
    "warmup_epochs": ("E", "linear learning-rate warm-up before the cosine decay, in epochs (default 0)"),
    "clip_norm": ("C", "clip each step's gradient to this L2 norm (default none)"),
    "batch_norm": ("HOW", "added (default): the proxy has batch norm after every conv that has none, which folds "
                          "into the conv once trained; as-designed: only the network's own"),
    "relax_strides": ("N", "the proxy runs the network's first N downsampling layers at stride 1, so that at a cut "
                           "resolution its late stages keep more pixels (more MACs; default 0)"),
    "width_mult": ("M", "proxy width multiplier (default 0.5)"),
    "resolution": ("PX", "proxy input resolution (default 32)"),
    "batch_size": ("N", "proxy batch size (default 64)"),
    "optimizer": ("NAME", "sgd (default) or adamw"),
    "lr": ("LR", "peak learning rate of the cosine schedule (default 0.05 for sgd, 0.001 for adamw)"),
    "weight_decay": ("WD", "weight decay (default 5e-4 for sgd, 0.05 for adamw)"),
}


def add_parser(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "search", help="search a space for the best accuracy/cost trade-offs, within budgets",
        description="Train proxies of networks sampled from a space (Optuna, multi-objective), under budgets on the "
                    "target network's cost, beside the hand-designed baselines. The run directory holds "
                    "everything; the same command resumes it. Watch it with: tensorboard --logdir RUN_DIR")
    parser.add_argument("--config", metavar="FILE", help="YAML file of settings named like these flags; flags win")
    for name in (*SEARCH_SETTINGS, *PROXY_SETTINGS):
        metavar, text = FLAG_HELP[name]
        if metavar is None:  # a switch
            parser.add_argument(flag(name), dest=name, action="store_const", const=True, help=text)
        else:
            parser.add_argument(flag(name), dest=name, metavar=metavar, help=text)
    parser.add_argument("--quiet", action="store_true", help="no progress output")
    parser.set_defaults(run=run)


def settings_from(args: argparse.Namespace) -> dict[str, Any]:
    """The config file's settings, overridden by the flags given."""
    settings = read_config_file(args.config) if args.config else {}
    for name in (*SEARCH_SETTINGS, *PROXY_SETTINGS):
        value = getattr(args, name)
        if value is not None:
            settings[name] = value
    return settings


def honest_summary(snapshot: Snapshot) -> str:
    """The front's best validation accuracy beside its test accuracy, and why the first is optimistic."""
    best = snapshot.best
    if best is None:
        return "\nno network finished within the budgets yet"
    who = best.baseline or f"trial {best.trial}"
    test = f"{best.test_accuracy:.4f}" if best.test_accuracy is not None else "not scored"
    return (f"\nbest on the front: {who}, validation accuracy {best.val_accuracy:.4f}, test accuracy {test}\n"
            f"warning: the validation score of the best of {snapshot.finished + snapshot.counts['baselines']} "
            "networks is optimistic (it selected them); quote test accuracy, and 'nasbox rescore' for numbers "
            "with seeds and intervals")


def run(args: argparse.Namespace) -> None:
    from nasbox.cli.front import print_front
    from nasbox.search.run import run_search

    config = make_config(settings_from(args))
    outcome = run_search(config, progress=not args.quiet)
    print(f"run directory: {outcome.run.path}"
          + (f" (resumed; {len(outcome.repaired)} interrupted trial(s) retried)" if outcome.resumed else ""))
    print(f"{outcome.new_trials} trial(s) finished in {outcome.seconds / 60:.1f} min; "
          f"{outcome.snapshot.counts['finished']} searched trial(s) in all")
    print_front(outcome.run.path)
    print(honest_summary(outcome.snapshot))
    print(f"\ntensorboard --logdir {outcome.run.path / 'tensorboard'}    # curves, hparams and the front over time")
    print(f"nasbox export {outcome.run.path} --front    # the front as standalone PyTorch, in "
          f"{outcome.run.path / 'exports'}")
