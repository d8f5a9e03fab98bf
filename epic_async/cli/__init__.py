"""The ``epic-async`` command line: ``demo`` (the main job), ``serve``, and API commands.

Exit codes: 0 ok, 1 some rows failed, 2 usage error, 3 API or authentication error.
Results go to stdout; progress bars and messages go to stderr. Errors are one line; ``--debug``
shows the traceback.
"""

from __future__ import annotations

import argparse
import asyncio
import re
import sys
import traceback
from collections.abc import Sequence

from .. import __version__
from .._errors import EpicError, NotFoundError
from ._common import client_options, flag_options, output_options
from ._demo import add_demo_parser
from ._export import add_reports_parser
from ._parsing import CliParser
from ._resources import add_resource_parsers
from ._serve import add_serve_parser

__all__ = ["main"]

EXIT_OK, EXIT_ROWS_FAILED, EXIT_USAGE, EXIT_API = 0, 1, 2, 3


def build_parser() -> argparse.ArgumentParser:
    parser = CliParser(
        prog="epic-async",
        description="Epic-Charging API from the command line (and a demo on the embedded simulator).",
        epilog="The API key is read from $EPIC_API_KEY or --api-key-file; it is never printed. "
        "Exit codes: 0 ok, 1 some rows failed, 2 usage error, 3 API/auth error.",
        parents=[client_options(top_level=True), flag_options(top_level=True)],
    )
    parser.add_argument("--version", action="version", version=f"epic-async {__version__}")
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
        return _fail(args, EXIT_USAGE, f"error: {_with_flag_names(_one_line(exc))}")
    except EpicError as exc:
        return _fail(args, EXIT_API, f"API error: {_one_line(exc)}{_hint(exc, args)}")
    return code


def _fail(args: argparse.Namespace, code: int, message: str) -> int:
    """One line on stderr (and the traceback with ``--debug``); the exit code is the same."""
    if args.debug:
        traceback.print_exc()
    print(f"epic-async: {message}", file=sys.stderr)
    return code


#: The SDK's parameter names, as the command line spells them (sizes and counts never reach the
#: SDK wrong: their flags are checked by argparse, ``positive_int``).
_FLAGS = {
    "allow_insecure_http=True": "--allow-insecure-http",
    "allow_insecure_http": "--allow-insecure-http",
    "base_url=": "--base-url ",
    "base_url": "--base-url",
    "tenant=": "--tenant ",
    "tenant": "--tenant",
    "start_date": "--start-date",
    "end_date": "--end-date",
}


def _with_flag_names(message: str) -> str:
    names = "|".join(re.escape(name) for name in sorted(_FLAGS, key=len, reverse=True))
    return re.sub(rf"(?<![\w-])({names})(?![\w])", lambda m: _FLAGS[m.group(1)], message)


def _hint(exc: EpicError, args: argparse.Namespace) -> str:
    base_url = getattr(args, "base_url", None)
    if isinstance(exc, NotFoundError) and base_url and "/api/external/v1" not in base_url:
        full = base_url.rstrip("/") + "/api/external/v1/"
        return f" (the API lives under /api/external/v1/: try --base-url {full})"
    return ""


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
