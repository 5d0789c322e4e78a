"""`nasbox export`: a network found by a search, a zoo network or a spec file, as a standalone PyTorch folder."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from nasbox.errors import NasboxError

if TYPE_CHECKING:
    from nasbox.export.package import Network
    from nasbox.export.run import Member, Run

DEFAULT_DIR = "exports"
RUN_EXPORTS = "exports"


def add_parser(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "export", help="write a network as standalone PyTorch (model.py, weights; TorchScript, ONNX)",
        description="Write a network as a folder that needs only torch: model.py (one nn.Module class), spec.yaml, "
                    "weights.pt and model.json, plus model.ts and model.onnx on request. The network is a member "
                    "of a search's run directory (RUN with --trial, --rank or --front), a zoo network (--zoo) or a "
                    "spec file. Weights are the network's seeded initial ones unless --weights or --proxy say "
                    "otherwise.",
        epilog="Default folders: RUN/exports/trial-00042 (or baseline-NAME; with a -proxy suffix for --proxy) for a "
               "run (-RECIPE for --rescored), exports/NAME for a zoo network or spec file.")
    parser.add_argument("source", nargs="?", metavar="RUN_OR_SPEC",
                        help="a run directory of 'nasbox search', or a YAML/JSON spec file")
    parser.add_argument("--zoo", metavar="NAME", help="a zoo network (see 'nasbox baselines')")
    which = parser.add_mutually_exclusive_group()
    which.add_argument("--trial", type=int, metavar="N", help="searched trial N of the run (finished, trained)")
    which.add_argument("--rank", type=int, metavar="K", help="the K-th most accurate member of the run's front")
    which.add_argument("--front", action="store_true", help="every member of the run's front, baselines included")
    parser.add_argument("--proxy", action="store_true",
                        help="export the trained proxy (the run's proxy width, resolution and classes) with the "
                             "weights it earned in the search, instead of the target network")
    parser.add_argument("--rescored", nargs="?", const="", metavar="RECIPE",
                        help="export the proxy retrained by 'nasbox rescore' (its recipe's width and resolution) "
                             "with the kept weights of its best seed; name the recipe folder when the run was "
                             "re-scored with several")
    parser.add_argument("--weights", metavar="FILE",
                        help="a state_dict to export (torch.save(model.state_dict(), FILE)), checked against the "
                             "network")
    parser.add_argument("--seed", type=int, default=0, metavar="S",
                        help="seed of the initial weights when neither --weights nor --proxy is given (default 0)")
    parser.add_argument("--format", default="source", metavar="LIST",
                        help="comma-separated source, torchscript, onnx (default source; onnx needs "
                             "pip install 'nasbox[onnx]')")
    parser.add_argument("-o", "--output", metavar="DIR",
                        help="folder to write (with --front: the folder holding one folder per member); default "
                             "RUN/exports/<member> or exports/<name>")
    parser.add_argument("--force", action="store_true", help="replace a non-empty output folder")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> None:
    from nasbox.export.formats import parse_formats

    formats = parse_formats(args.format)
    networks = _run_networks(args) if _is_run(args) else [_single_network(args)]
    from nasbox.export.package import export_networks

    for network, path in zip(networks, export_networks(networks, formats=formats, force=args.force), strict=True):
        files = sorted(p.name for p in path.iterdir())
        print(f"{network.spec.name} → {path}: {', '.join(files)}")


def _is_run(args: argparse.Namespace) -> bool:
    chosen = args.trial is not None or args.rank is not None or args.front
    if args.source is not None and args.zoo is not None:
        raise NasboxError("give a run directory, a spec file or --zoo NAME, not two of them")
    if args.source is None and args.zoo is None:
        raise NasboxError("nothing to export; give a run directory with --trial N, --rank K or --front, "
                          "--zoo NAME, or a spec file")
    if args.source is not None and (chosen or Path(args.source).is_dir()):
        if not chosen:
            raise NasboxError(f"{args.source}: a run directory; choose what to export with --trial N, --rank K "
                              "or --front")
        return True
    if chosen:
        raise NasboxError("--trial, --rank and --front choose members of a run; give its run directory as the "
                          "argument")
    for flag, given in (("--proxy", args.proxy), ("--rescored", args.rescored is not None)):
        if given:
            raise NasboxError(f"{flag} exports the trained proxy of a run's member; give a run directory with "
                              "--trial, --rank or --front")
    return False


def _single_network(args: argparse.Namespace) -> Network:
    from nasbox import zoo
    from nasbox.export.names import folder_name
    from nasbox.export.package import Network

    name = args.zoo if args.zoo is not None else args.source
    spec = zoo.get(name) if args.zoo is not None else zoo.load_network(name)
    if args.zoo is not None or not Path(name).exists():
        origin = {"source": {"kind": "zoo", "name": name, "variant": zoo.entry(name).variant}}
    else:
        origin = {"source": {"kind": "spec file", "path": str(Path(name).resolve())}}
    directory = Path(args.output) if args.output else Path(DEFAULT_DIR) / folder_name(spec.name)
    return Network(spec, directory, args.weights, args.seed, metadata=origin)


def _run_networks(args: argparse.Namespace) -> list[Network]:
    from nasbox.export.package import Network
    from nasbox.export.run import Run

    found = Run(args.source)
    if args.front:
        members = found.front
        if not members:
            raise NasboxError(f"{found.path}: the front is empty (no trial has finished yet); wait for the search")
        if args.weights:
            raise NasboxError("--weights fits one network; export a single member with --trial N or --rank K")
    else:
        members = [found.by_rank(args.rank) if args.rank is not None else found.by_trial(args.trial)]
    if args.proxy and args.weights:
        raise NasboxError("--proxy exports the weights the search kept; drop --weights, or drop --proxy")
    if args.rescored is not None:
        if args.proxy or args.weights:
            other = "--proxy" if args.proxy else "--weights"
            raise NasboxError(f"--rescored exports the weights its rescore kept; drop {other}, or drop --rescored")
        return [_rescored_network(args, found, member) for member in members]
    data = found.proxy_data() if args.proxy else None
    networks = []
    for member in members:
        folder = member.key + ("-proxy" if args.proxy else "")
        directory = _member_folder(args, found, folder)
        notes, metadata = found.describe(member, data)
        if data is not None:
            spec = found.proxy_spec(member, data)
            state = found.proxy_weights(member)
            networks.append(Network(spec, directory, state, notes=notes, metadata=metadata,
                                    weights_note={"kind": "proxy", "trained_in": member.label,
                                                  "proxy_accuracy": {"validation": member.val_accuracy,
                                                                     "test": member.test_accuracy}}))
        else:
            networks.append(Network(member.spec, directory, args.weights, args.seed, notes=notes, metadata=metadata))
    return networks


def _member_folder(args: argparse.Namespace, found: Run, name: str) -> Path:
    if args.output and args.front:
        return Path(args.output) / name
    return Path(args.output) if args.output else found.path / RUN_EXPORTS / name


def _rescored_network(args: argparse.Namespace, found: Run, member: Member) -> Network:
    """`member`'s proxy at its rescore recipe, with the weights of the seed the rescore kept."""
    from nasbox.export.package import Network
    from nasbox.export.state import read_state

    rescored = found.rescored(member, args.rescored or None)
    data = found.proxy_data(rescored.recipe)
    notes, metadata = found.describe(member, data, rescored)
    record = rescored.record
    return Network(found.proxy_spec(member, data, rescored.recipe),
                   _member_folder(args, found, f"{member.key}-{rescored.recipe_id}"),
                   read_state(rescored.weights, what="rescored weights"), notes=notes, metadata=metadata,
                   weights_note={"kind": "rescored proxy", "trained_in": f"rescore {rescored.recipe_id}, seed "
                                 f"{record['seed']} of {rescored.seeds}",
                                 "accuracy": {"validation": record["val_accuracy"], "test": record["test_accuracy"]}})
