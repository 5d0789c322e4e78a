"""`nasbox fidelity`: how well the proxy ranks networks of a space against a costlier reference recipe, beside
the noise ceiling and the free scores (MACs, params), and what each costs."""

from __future__ import annotations

import argparse
import json
from typing import TYPE_CHECKING

from nasbox.cli.search import FLAG_HELP
from nasbox.report import format_table
from nasbox.search.config import PROXY_SETTINGS, flag
from nasbox.units import format_count

if TYPE_CHECKING:
    from nasbox.fidelity import Agreement, FidelityOutcome
    from nasbox.proxy import ProxyConfig

# the settings of `nasbox search` that a measurement shares: what is drawn, the data, the proxy, the workers
SETTINGS = ("space", "budget_macs", "budget_params", "dataset", "data_dir", "subset", "val_fraction",
            "test_fraction", "seed", "jobs", "threads", "device", *PROXY_SETTINGS)
REFERENCE = {"epochs": "training epochs (default: the proxy's × 3)", "width_mult": "width (default: the proxy's)",
             "resolution": "input resolution (default: the proxy's)",
             "relax_strides": "downsampling layers at stride 1 (default: the proxy's)"}


def add_parser(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "fidelity", help="measure how well the proxy ranks networks against a costlier reference recipe",
        description="Draw N networks of a space within the budgets (seeded), train each with the proxy (two seeds) "
                    "and with a costlier reference recipe, score all on the held-out test split, and print Kendall's "
                    "tau and Spearman's rho of the proxy against the reference, of the proxy against itself (the "
                    "noise ceiling) and of MACs and params against the reference, the top-20% overlap, and the "
                    "CPU-seconds of each. Records live in one file per training: rerun the same command to resume.")
    parser.add_argument("-n", type=int, default=20, metavar="N", help="networks to draw (at least 4; default 20)")
    for name in SETTINGS:
        metavar, text = FLAG_HELP[name]
        parser.add_argument(flag(name), dest=name, metavar=metavar, required=name == "space", help=text)
    for name, text in REFERENCE.items():
        parser.add_argument(flag(f"reference_{name}"), dest=f"reference_{name}", metavar=FLAG_HELP[name][0],
                            help=f"reference {text}")
    parser.add_argument("--reference", metavar="TABLE",
                        help="measure against a published table instead of a trained reference: nb201:cifar10, "
                             "nb201:cifar100 or nb201:imagenet16 (NAS-Bench-201's 200-epoch accuracy, mean of its "
                             "seeds; with --space nb201, whose cells are then drawn uniformly without repeats)")
    parser.add_argument("--dir", metavar="DIR", help="the measurement's folder (default "
                                                     "runs/fidelity-<space>-<budget>-<digest of the settings>)")
    parser.add_argument("--json", action="store_true", help="print every figure and every network's as JSON")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> None:
    from nasbox.fidelity import measure_fidelity
    from nasbox.search.config import make_config

    config = make_config({name: getattr(args, name) for name in SETTINGS if getattr(args, name) is not None})
    reference = {name: PROXY_SETTINGS[name](value, flag(f"reference_{name}")) for name in REFERENCE
                 if (value := getattr(args, f"reference_{name}")) is not None}
    outcome = measure_fidelity(config, args.n, directory=args.dir, published=args.reference,
                               **{f"reference_{name}": value for name, value in reference.items()})
    if args.json:
        print(json.dumps(outcome.to_dict(), indent=2))
        return
    print_fidelity(outcome)


def print_fidelity(outcome: FidelityOutcome) -> None:
    """The networks' figures, each score's agreement with the reference, the noise ceiling and the costs."""
    plan, report = outcome.plan, outcome.report
    config, published = plan.config, plan.published
    reference = published.describe() if published else f"the reference ({_recipe(plan.reference)})"
    print(f"fidelity of the proxy ({_recipe(config.proxy)}) against {reference}: {len(plan.networks)} networks of "
          f"{config.space} within {config.budget.describe()}, seed {config.seed}, the proxy's test accuracy on the "
          f"held-out split of {config.dataset}")
    rows = [(n.key, format_count(n.macs), format_count(n.params), *(_accuracy(a) for a in n.proxy),
             _accuracy(n.reference), "; ".join(n.failed)) for n in report.networks]
    truth = published.name if published else "reference"
    print(format_table(("network", "MACs", "params", "proxy seed 0", "proxy seed 1", truth, "failed"), rows,
                       numeric=(False, True, True, True, True, True, False)))
    top = f"top {report.top_share:.0%}"
    print(f"\nagreement with the {truth} ranking ({len(report.scored)} networks; {top} = {report.top_count}):")
    ceilings = [report.noise_ceiling, *([report.published_ceiling] if report.published_ceiling else [])]
    table = [_agreement_row(a) for a in [*report.agreements, *ceilings]]
    print(format_table(("score", "against", "Kendall tau", "(p)", "Spearman rho", f"{top} overlap"), table,
                       numeric=(False, False, True, True, True, True)))
    if report.proxy_ranks_nothing:
        print(f"every network scored {report.scored[0].proxy[0]:.4f} under the proxy, so it ranks nothing: the recipe "
              "is too short for this data; raise --epochs or --width-mult, or train on more images (--subset)")
    proxy, macs = report.agreement("proxy (seed 0)").kendall_tau, report.agreement("MACs").kendall_tau
    ceiling = report.noise_ceiling.kendall_tau
    if proxy is not None and macs is not None:
        print(f"the proxy's tau is {proxy - macs:+.3f} from MACs' (a free score)"
              + (f" and {proxy - ceiling:+.3f} from its noise ceiling" if ceiling is not None else ""))
    cpu, share = report.cpu_seconds, report.cost_share
    print(f"CPU-seconds per network: proxy {_seconds(cpu['proxy'])} (one training)"
          + ("" if published else f", reference {_seconds(cpu['reference'])}")
          + (f"; the proxy costs {share:.1%} of the reference" if share else ""))
    print(f"records in {outcome.folder}; {outcome.trained} training(s) this time, in {outcome.seconds / 60:.1f} min")


def _agreement_row(agreement: Agreement) -> tuple[str, ...]:
    def number(value: float | None, form: str) -> str:
        return format(value, form) if value is not None else "–"

    return (agreement.score, agreement.against, number(agreement.kendall_tau, "+.3f"),
            number(agreement.kendall_p, ".3f"), number(agreement.spearman_rho, "+.3f"),
            number(agreement.top_overlap, ".0%"))


def _recipe(recipe: ProxyConfig) -> str:
    epochs = f"{recipe.epochs} epoch{'s' if recipe.epochs != 1 else ''}"
    relaxed = f", {recipe.relax_strides} stride(s) relaxed" if recipe.relax_strides else ""
    return f"{epochs}, width {recipe.width_mult:g}, {recipe.resolution}² input{relaxed}"


def _accuracy(value: float | None) -> str:
    return f"{value:.4f}" if value is not None else "–"


def _seconds(value: float | None) -> str:
    return f"{value:.1f}" if value is not None else "–"
