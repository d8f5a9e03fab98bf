"""The ``epic-async`` command line: ``demo`` (the main job), ``serve``, and API commands.

Exit codes: 0 ok, 1 some rows failed, 2 usage error, 3 API or authentication error.
Results go to stdout; progress bars and messages go to stderr. Errors are one line; ``--debug``
shows the traceback.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Sequence

from .._errors import EpicError
from ._common import client_options, flag_options, output_options
from ._demo import add_demo_parser
from ._export import add_reports_parser
from ._resources import add_resource_parsers
from ._serve import add_serve_parser

__all__ = ["main"]

EXIT_OK, EXIT_ROWS_FAILED, EXIT_USAGE, EXIT_API = 0, 1, 2, 3


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="epic-async",
        description="Epic-Charging API from the command line (and a demo on the embedded simulator).",
        epilog="The API key is read from $EPIC_API_KEY or --api-key-file; it is never printed. "
        "Exit codes: 0 ok, 1 some rows failed, 2 usage error, 3 API/auth error.",
        parents=[client_options(top_level=True), flag_options(top_level=True)],
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    flags = flag_options(top_level=False)
    add_demo_parser(commands, [flags])
    add_serve_parser(commands, [flags])
    api = [client_options(top_level=False), flags, output_options()]
    add_resource_parsers(commands, api)
    add_reports_parser(commands, api)
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
    except BrokenPipeError:  # `epic-async chargers list | head`: the reader left, not an error
        _silence_stdout()
        return code_if_pipe_closed
    except (ValueError, TypeError) as exc:
        if args.debug:
            raise
        print(f"epic-async: error: {_one_line(exc)}", file=sys.stderr)
        return EXIT_USAGE
    except EpicError as exc:
        if args.debug:
            raise
        print(f"epic-async: API error: {_one_line(exc)}", file=sys.stderr)
        return EXIT_API
    return code


code_if_pipe_closed = EXIT_OK


def _silence_stdout() -> None:
    """Point stdout at /dev/null so the interpreter's final flush does not fail again."""
    import os

    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):  # not a real file (captured in tests)
        pass


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text if len(text) <= 300 else text[:297] + "..."


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
