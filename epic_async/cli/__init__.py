"""The ``epic-async`` command line: ``demo`` (the main job), ``serve``, and API commands.

Exit codes: 0 ok, 1 some rows failed, 2 usage error, 3 API or authentication error.
Results go to stdout; progress bars and messages go to stderr.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Sequence

from .._errors import EpicError
from ._demo import add_demo_parser
from ._serve import add_serve_parser

__all__ = ["main"]

EXIT_OK, EXIT_ROWS_FAILED, EXIT_USAGE, EXIT_API = 0, 1, 2, 3


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="epic-async",
        description="Epic-Charging API from the command line (and a demo on the embedded simulator).",
    )
    parser.add_argument("--debug", action="store_true", help="show tracebacks and DEBUG logs")
    parser.add_argument("--quiet", action="store_true", help="no progress bars")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    add_demo_parser(commands)
    add_serve_parser(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the console script; returns the exit code."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exit_:
        return int(exit_.code or 0) and EXIT_USAGE
    if args.debug:
        import logging

        logging.basicConfig(level=logging.DEBUG, stream=sys.stderr)
    try:
        code: int = asyncio.run(args.handler(args))
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except (ValueError, TypeError) as exc:
        if args.debug:
            raise
        print(f"epic-async: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except EpicError as exc:
        if args.debug:
            raise
        print(f"epic-async: API error: {exc}", file=sys.stderr)
        return EXIT_API
    return code


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
