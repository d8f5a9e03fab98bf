"""What every API command shares: client options (tenant, base URL, key, rate) and output formats.

The API key comes from ``EPIC_API_KEY`` or ``--api-key-file``; it is never printed. Results go to
stdout (or ``--output FILE``) as a table, CSV or JSON lines.
"""

from __future__ import annotations

import argparse
import csv
import enum
import io
import os
import sys
import typing
from collections.abc import AsyncIterator, Callable, Container, Iterator, Sequence
from contextlib import contextmanager
from datetime import date, datetime
from pathlib import Path
from typing import IO, Any, TypeVar

import attrs
import orjson
from rich.console import Console
from rich.table import Table

from .._client import EpicClient
from .._pagination import Pager
from .._ratelimit import RateLimit
from .._reads import unstructure
from .._typeinfo import without_none
from ._parsing import CliParser, positive_number
from ._progress import make_progress

__all__ = [
    "FORMATS",
    "client_options",
    "flag_options",
    "flatten",
    "format_for",
    "make_client",
    "output_options",
    "stream_pager",
    "to_json",
    "write_records",
]

T = TypeVar("T")
FORMATS = ("table", "csv", "jsonl")


def client_options(*, top_level: bool) -> argparse.ArgumentParser:
    """Options accepted before and after the command; values given after the command win.

    ``SUPPRESS`` defaults keep a sub-command's unset option from erasing the top-level value.
    """
    parent = CliParser(add_help=False)
    default = None if top_level else argparse.SUPPRESS
    group = parent.add_argument_group("connection")
    group.add_argument(
        "--tenant", default=default, help="tenant name (https://TENANT.epiccharging.com)"
    )
    group.add_argument("--base-url", default=default, help="any API base URL instead of --tenant")
    group.add_argument(
        "--api-key-file",
        default=default,
        metavar="FILE",
        help="read the API key from FILE (default: $EPIC_API_KEY)",
    )
    group.add_argument(
        "--rate",
        type=positive_number,
        default=default,
        help="client rate limit, requests/s (default: 10)",
    )
    group.add_argument(
        "--strict",
        action="store_true",
        default=False if top_level else argparse.SUPPRESS,
        help="fail on any answer that does not fit the models (default: read it, keep the rest)",
    )
    group.add_argument(
        "--allow-insecure-http",
        action="store_true",
        default=False if top_level else argparse.SUPPRESS,
        help="allow http:// to a non-loopback host (the key would travel in clear)",
    )
    return parent


def flag_options(*, top_level: bool) -> argparse.ArgumentParser:
    """``--debug`` and ``--quiet``, accepted before and after the command."""
    parent = CliParser(add_help=False)
    default = False if top_level else argparse.SUPPRESS
    parent.add_argument(
        "--debug", action="store_true", default=default, help="tracebacks and DEBUG logs"
    )
    parent.add_argument("--quiet", action="store_true", default=default, help="no progress bars")
    return parent


def output_options() -> argparse.ArgumentParser:
    parent = CliParser(add_help=False)
    parent.add_argument(
        "--format",
        choices=FORMATS,
        default=None,
        help="output format (default: from the --output file's extension, .csv or .jsonl; "
        "else table)",
    )
    parent.add_argument(
        "--output", "-o", metavar="FILE", default=None, help="write results to FILE, not stdout"
    )
    return parent


def read_api_key(args: argparse.Namespace) -> str | None:
    """The key from ``--api-key-file`` (first line, stripped), else ``$EPIC_API_KEY`` (SDK default)."""
    path = getattr(args, "api_key_file", None)
    if path is None:
        return None
    try:
        key = Path(path).read_text(encoding="utf-8").strip()
    except OSError as exc:
        raise ValueError(f"cannot read --api-key-file {path}: {exc.strerror}") from None
    if not key:
        raise ValueError(f"--api-key-file {path} is empty")
    return key.splitlines()[0].strip()


def make_client(args: argparse.Namespace) -> EpicClient:
    if getattr(args, "api_key_file", None) is None and not os.environ.get("EPIC_API_KEY"):
        raise ValueError("no API key: set EPIC_API_KEY or pass --api-key-file FILE")
    rate = getattr(args, "rate", None)
    limit = RateLimit() if rate is None else RateLimit(rate=rate, burst=max(1, int(rate)))
    return EpicClient(
        api_key=read_api_key(args),
        tenant=getattr(args, "tenant", None),
        base_url=getattr(args, "base_url", None),
        rate_limit=limit,
        allow_insecure_http=bool(getattr(args, "allow_insecure_http", False)),
        strict=bool(getattr(args, "strict", False)),
    )


# --- turning models into rows ----------------------------------------------------------------


def _plain(value: Any) -> Any:
    """JSON-ready scalars: enums as their value, datetimes and dates as ISO 8601."""
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def to_json(obj: Any) -> dict[str, Any]:
    """A model (or dict) as nested JSON-ready data."""
    data = unstructure(obj)
    result: dict[str, Any] = orjson.loads(orjson.dumps(data, default=_plain))
    return result


def flatten(data: dict[str, Any], prefix: str = "", leaves: Container[str] = ()) -> dict[str, Any]:
    """Nested JSON as one flat row: ``{"status": {"key": "X", "value": "x"}}`` → ``status=X``,
    other objects as dotted columns, lists as JSON text. An object in a column of ``leaves`` (a
    value that did not fit its field, as the API sent it) stays whole, as JSON text."""
    row: dict[str, Any] = {}
    for name, value in data.items():
        column = f"{prefix}{name}"
        if isinstance(value, dict):
            if set(value) <= {"key", "value"} and "key" in value:
                row[column] = value["key"]
            elif column in leaves:
                row[column] = orjson.dumps(value).decode()
            else:
                row.update(flatten(value, f"{column}.", leaves))
        elif isinstance(value, list):
            row[column] = orjson.dumps(value).decode() if value else ""
        else:
            row[column] = "" if value is None else value
    return row


def model_columns(cls: type, prefix: str = "") -> list[str]:
    """The flat columns of a read model, as :func:`flatten` names them: nested models as dotted
    columns, ``{key, value}`` objects and lists as one column each."""
    if not attrs.has(cls):
        return [prefix.rstrip(".")] if prefix else []
    hints = typing.get_type_hints(cls)
    columns: list[str] = []
    for field in attrs.fields(cls):
        if field.name == "extra":
            continue
        inner, _ = without_none(hints[field.name])
        names = {a.name for a in attrs.fields(inner)} if attrs.has(inner) else set()
        if attrs.has(inner) and names != {"extra", "key", "value"}:
            columns.extend(model_columns(inner, f"{prefix}{field.name}."))
        else:
            columns.append(f"{prefix}{field.name}")
    return columns


# --- writing results ---------------------------------------------------------------------------


@contextmanager
def open_output(path: str | None) -> Iterator[IO[str]]:
    if path is None or path == "-":
        yield sys.stdout
        return
    try:
        with open(path, "w", encoding="utf-8", newline="") as handle:
            yield handle
    except OSError as exc:
        raise ValueError(f"cannot write {path}: {exc.strerror}") from None


def format_for(output: str | None) -> str:
    """The format an output file's extension asks for: ``.csv``, ``.jsonl``/``.ndjson``, else a
    table (pure)."""
    suffix = Path(output).suffix.lower() if output and output != "-" else ""
    return {".csv": "csv", ".jsonl": "jsonl", ".ndjson": "jsonl"}.get(suffix, "table")


async def write_records(
    records: AsyncIterator[Any],
    *,
    fmt: str | None,
    output: str | None,
    columns: Sequence[str] | None = None,
    title: str | None = None,
) -> int:
    """Write ``records`` (models) as ``fmt``; CSV and JSONL stream, a table is printed at the end.

    ``columns`` picks the table's columns (CSV and JSONL always carry every field). Returns the
    number of records written.
    """
    fmt = fmt or format_for(output)
    count = 0
    with open_output(output) as handle:
        if fmt == "jsonl":
            async for record in records:
                handle.write(orjson.dumps(to_json(record)).decode() + "\n")
                count += 1
        elif fmt == "csv":
            writer: csv.DictWriter[str] | None = None
            header: list[str] = []
            async for record in records:
                if writer is None:
                    # The model's own columns, not the first row's: a drifted first record must
                    # not decide the header (keys the model lacks are in JSON lines output only).
                    header = model_columns(type(record)) or list(flatten(to_json(record)))
                    writer = csv.DictWriter(
                        handle, fieldnames=header, extrasaction="ignore", restval=""
                    )
                    writer.writeheader()
                writer.writerow(flatten(to_json(record), leaves=header))
                count += 1
        else:
            rows = []
            async for record in records:
                rows.append(flatten(to_json(record)))
                count += 1
            _print_table(rows, columns, title, handle)
    return count


def _print_table(
    rows: list[dict[str, Any]], columns: Sequence[str] | None, title: str | None, handle: IO[str]
) -> None:
    if columns is None:
        columns = list(rows[0]) if rows else []
    table = Table(title=title, show_lines=False)
    for column in columns:
        table.add_column(column, overflow="fold")
    for row in rows:
        table.add_row(*(_cell(row.get(c, "")) for c in columns))
    to_terminal = handle is sys.stdout and sys.stdout.isatty()
    width = None if to_terminal else 200
    buffer = io.StringIO() if not to_terminal else None
    console = Console(file=buffer or handle, width=width, no_color=not to_terminal)
    console.print(table)
    if buffer is not None:
        handle.write(buffer.getvalue())
    if not rows:
        print("(no results)", file=sys.stderr)


def _cell(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


async def stream_pager(
    pager: Pager[T], *, quiet: bool, label: str, hook: Callable[[T], object] | None = None
) -> AsyncIterator[T]:
    """Yield a pager's items while a progress bar on stderr counts them against ``pager.count``."""
    with make_progress(quiet=quiet) as progress:
        task = progress.add_task(label, total=None)
        async for item in pager:
            if pager.count is not None:
                progress.update(task, total=pager.count)
            progress.advance(task)
            if hook is not None:
                hook(item)
            yield item
