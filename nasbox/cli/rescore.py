"""`nasbox rescore RUN`: retrain the front's best members and every baseline with a stronger recipe and several
seeds, then print the re-scored front with intervals and the rank agreement with the search."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

from nasbox.report import format_table
from nasbox.units import format_count

if TYPE_CHECKING:
    from nasbox.rescore.run import SavedRescore


def add_parser(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "rescore", help="retrain a search's front and baselines at a higher fidelity, with seeds and intervals",
        description="Retrain the chosen front members and every baseline of a run with a stronger recipe and "
                    "several seeds, score them on the held-out test split, and print the re-scored front (mean ± "
                    "sd and 95%% interval of test accuracy) with Kendall's tau against the search's ranking. "
                    "Records live in RUN/rescore/<recipe>/ (one per network and seed): rerun the same command to "
                    "resume; another recipe adds a new set.")
    parser.add_argument("run_dir", metavar="RUN", help="the run directory of a 'nasbox search'")
    which = parser.add_mutually_exclusive_group()
    which.add_argument("--top", type=int, metavar="K", help="the K most accurate front members (default 5)")
    which.add_argument("--front", action="store_true", help="every front member")
    parser.add_argument("--epochs", type=int, metavar="E", help="training epochs (default: the search's × 3)")
    parser.add_argument("--width-mult", type=float, metavar="W", help="proxy width (default: the search's)")
    parser.add_argument("--resolution", type=int, metavar="R", help="input resolution (default: the search's)")
    parser.add_argument("--seeds", type=int, default=3, metavar="S", help="trainings per network (default 3)")
    parser.add_argument("--jobs", type=int, metavar="N", help="worker processes (default: as the search)")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> None:
    from nasbox.rescore import rescore
    from nasbox.rescore.run import SavedRescore

    top = None if args.front else (args.top if args.top is not None else 5)
    outcome = rescore(args.run_dir, top=top, epochs=args.epochs, width_mult=args.width_mult,
                      resolution=args.resolution, seeds=args.seeds, jobs=args.jobs)
    for warning in outcome.warnings:
        sys.stderr.write(f"nasbox rescore: warning: {warning}\n")
    print_rescore(SavedRescore(outcome.folder.name, outcome.plan.recipe, outcome.plan.seeds, outcome.front))
    print(f"records in {outcome.folder}")
    spent = sum(s.seconds for s in outcome.front.scores)
    print(f"{outcome.trained} training(s) this time, in {outcome.seconds / 60:.1f} min; {spent / 60:.1f} min of "
          "training in all records")


def print_rescore(saved: SavedRescore) -> None:
    """The re-scored front as a table (search's validation accuracy, test mean ± sd and interval, ranks before
    and after, standing), then Kendall's tau."""
    recipe, front = saved.recipe, saved.front
    print(f"\nre-scored front ({saved.recipe_id}): {recipe.epochs} epochs at width {recipe.width_mult:g}, "
          f"{recipe.resolution}² input, {saved.seeds} seed(s) per network, test split")
    ranks = front.ranks()
    rows = []
    for score in front.scores:
        low, high = score.interval or (None, None)
        before, after = ranks.get(score.key, (None, None))
        rows.append((score.label, format_count(score.macs), f"{score.search_val_accuracy:.4f}",
                     f"{score.test_mean:.4f} ± {score.test_sd:.4f}" if score.test_mean is not None else "–",
                     f"[{low:.4f}, {high:.4f}]" if low is not None else "–", str(score.seeds),
                     f"{before} → {after}" if before is not None else "–", score.standing))
    print(format_table(("network", "MACs", "search val acc.", "test acc. mean ± sd", "95% interval", "seeds",
                        "rank", "re-scored standing"), rows,
                       numeric=(False, True, True, True, True, True, True, False)))
    tau = front.kendall_tau
    kept = sum(1 for before, after in ranks.values() if before == after)
    print(f"{kept} of {len(ranks)} network(s) kept their rank; Kendall's tau, search ranking (validation, 1 seed) vs "
          "re-scored (test mean): " + (f"{tau:+.3f} (p = {front.kendall_p:.3f})" if tau is not None else
                                      "undefined (too few networks)"))
