"""How every ``epic-async`` parser behaves: a flag given twice is an error, help shows defaults
as plain text, and numbers are checked where they are read, naming the flag."""

from __future__ import annotations

import argparse
import math
import re
from collections.abc import Sequence
from typing import Any, NoReturn

__all__ = [
    "CliParser",
    "non_negative_number",
    "plain",
    "port_number",
    "positive_int",
    "positive_number",
]


class _StoreOnce(argparse.Action):
    """``store``, except that a second value for the same flag is a usage error: with an
    endpoint that takes one value, "the last one wins" would silently drop the first."""

    def __call__(
        self,
        parser: argparse.ArgumentParser,
        namespace: argparse.Namespace,
        values: str | Sequence[Any] | None,
        option_string: str | None = None,
    ) -> None:
        seen: set[str] = namespace.__dict__.setdefault("_given_once", set())
        if self.dest in seen:
            raise argparse.ArgumentError(self, "given more than once; it takes one value")
        seen.add(self.dest)
        setattr(namespace, self.dest, values)


class _HelpFormatter(argparse.RawDescriptionHelpFormatter):
    """Shows each option's default, unless it has none worth showing."""

    def _get_help_string(self, action: argparse.Action) -> str:
        text = action.help or ""
        default = action.default
        if (
            "%(default)" in text
            or "default" in text
            or default in (None, False, argparse.SUPPRESS)
            or not action.option_strings
        ):
            return text
        return f"{text} (default: %(default)s)"


class CliParser(argparse.ArgumentParser):
    """The parser class of every ``epic-async`` command and option group."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("formatter_class", _HelpFormatter)
        super().__init__(*args, **kwargs)
        # Option groups and sub-commands share this registry: every plain option stores once.
        self.register("action", None, _StoreOnce)
        self.register("action", "store", _StoreOnce)

    def error(self, message: str) -> NoReturn:
        """One line, not the usage block: the message names the flag, ``--help`` says the rest."""
        self.exit(2, f"epic-async: error: {message} (see: {self.prog} --help)\n")


def _finite(text: str, *, zero_allowed: bool) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not math.isfinite(value) or value < 0 or (value == 0 and not zero_allowed):
        bound = ">= 0" if zero_allowed else "> 0"
        raise argparse.ArgumentTypeError(f"expected a finite number {bound}, got {text!r}")
    return value


def positive_number(text: str) -> float:
    """A finite number > 0 (``--rate``): ``inf`` and ``nan`` are refused here, by name."""
    return _finite(text, zero_allowed=False)


def non_negative_number(text: str) -> float:
    """A finite number >= 0 (``--latency``)."""
    return _finite(text, zero_allowed=True)


def positive_int(text: str) -> int:
    """A whole number >= 1 (sizes and counts: ``--batch-size``, ``--concurrency``...)."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number >= 1, got {value}")
    return value


def port_number(text: str) -> int:
    """A TCP port, 0 (any free port) to 65535."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a port number, got {text!r}") from None
    if not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"expected a port from 0 to 65535, got {value}")
    return value


def plain(doc: str | None) -> str:
    """A docstring as help text: ``literal`` markup becomes plain text."""
    return re.sub(r"``([^`]+)``", _unquote_literal, doc or "")


def _unquote_literal(match: re.Match[str]) -> str:
    # Punctuation alone (a delimiter such as ``,``) stays quoted, or it would read as prose.
    text = match.group(1)
    return text if any(c.isalnum() for c in text) else f'"{text}"'
