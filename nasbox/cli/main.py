"""Entry point of the `nasbox` command: parses arguments and turns user errors into one line and exit status 2."""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Sequence
from typing import Any

from nasbox.cli import (
    baselines,
    export,
    fidelity,
    front,
    importance,
    latency,
    nb201,
    profile,
    rescore,
    sample,
    search,
    spaces,
)
from nasbox.errors import NasboxError

USAGE_ERROR = 2
INTERRUPTED = 130


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line that points at --help, and a value such as `-5M` reaches its
    option (to be refused there with a clear reason) instead of being taken for an unknown flag."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._negative_number_matcher = re.compile(r"^-\d*\.?\d+[A-Za-z]*$")

    def error(self, message: str) -> None:  # type: ignore[override]
        sys.stderr.write(f"{self.prog}: error: {message}; see '{self.prog} --help'\n")
        sys.exit(USAGE_ERROR)


def make_parser() -> argparse.ArgumentParser:
    import nasbox

    parser = _Parser(prog="nasbox", description="Neural architecture search over the classic CNN primitives.")
    parser.add_argument("--version", action="version", version=f"nasbox {nasbox.__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND", parser_class=_Parser)
    for module in (baselines, profile, spaces, sample, search, front, importance, rescore, fidelity, export, latency,
                   nb201):
        module.add_parser(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = make_parser().parse_args(argv)
    try:
        args.run(args)
    except NasboxError as exc:
        sys.stderr.write(f"nasbox {args.command}: error: {exc}\n")
        return USAGE_ERROR
    except BrokenPipeError:
        sys.stderr.close()
    except KeyboardInterrupt:
        sys.stderr.write(f"nasbox {args.command}: interrupted; a search resumes when the same command is run again\n")
        return INTERRUPTED
    return 0


if __name__ == "__main__":
    sys.exit(main())
