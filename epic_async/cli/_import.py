"""``<chargers|locations|users> import FILE``: bulk create from CSV / JSON / JSON lines.

Every input row gets one line in the results (JSON lines, to ``--results FILE`` or stdout):
``{"line", "index", "key", "status": "created"|"failed"|"unknown", "id" | "errors" | "reason"}``.
``--skip-existing`` resumes safely: rows whose unique key (``charger_point_id``, location
``custom_id``, user ``email``) the previous results file records as created, or (when there is no
complete previous results file) that the server already holds, are not sent again. A row that
repeats an earlier row's key in the same file fails as a duplicate, on every run: it is never
mistaken for its earlier twin.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import IO, Any

import orjson

from .._bulk_result import BulkResult, error_lines
from .._client import EpicClient
from . import _rows
from ._common import make_client
from ._parsing import plain, positive_int
from ._progress import make_progress
from ._rows import SourceRow, parse_delimiter, read_rows

__all__ = ["add_import_command", "error_lines", "run_import", "unique_key_of"]

_KEY_FIELD = {"chargers": "charger_point_id", "locations": "custom_id", "users": "email"}
_SHOWN_FAILURES = 20


def add_import_command(commands: Any, parents: list[argparse.ArgumentParser], kind: str) -> None:
    parser: argparse.ArgumentParser = commands.add_parser(
        "import",
        parents=parents,
        help=f"bulk-create {kind} from CSV, JSON or JSON lines",
        description=plain(f"{__doc__}\n{_rows.__doc__}"),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("file", help="CSV, .json or .jsonl file (- for CSV on stdin)")
    parser.add_argument("--input-format", choices=("csv", "json", "jsonl"), default=None)
    parser.add_argument(
        "--delimiter",
        type=parse_delimiter,
        default=None,
        metavar="CHAR",
        help="CSV delimiter: , ; tab or | (default: read from the header line)",
    )
    parser.add_argument(
        "--unknown-columns",
        choices=("error", "drop", "send"),
        default="drop",
        help="columns (JSON keys) no field takes: refuse the file, drop them after one "
        "warning, or send them unchecked (for fields this release does not know)",
    )
    parser.add_argument(
        "--results", metavar="FILE", default=None, help="write per-row outcomes here (JSONL)"
    )
    parser.add_argument(
        "--skip-existing",
        action="store_true",
        help="do not resend rows already created (per --results, else the server's list)",
    )
    parser.add_argument(
        "--batch-size",
        type=positive_int,
        default=100,
        help="rows per request (a server that takes fewer splits the batch, and the client "
        "remembers its limit)",
    )
    parser.add_argument("--concurrency", type=positive_int, default=4, help="batches in flight")
    parser.add_argument(
        "--reconcile",
        action="store_true",
        help="resolve rows whose answer was lost by looking them up on the server",
    )

    async def run(args: argparse.Namespace) -> int:
        rows = read_rows(
            args.file,
            kind,
            args.input_format,
            delimiter=args.delimiter,
            unknown_columns=args.unknown_columns,
        )
        async with make_client(args) as client:
            return await run_import(
                client,
                kind,
                rows,
                results_path=args.results,
                skip_existing=args.skip_existing,
                batch_size=args.batch_size,
                concurrency=args.concurrency,
                reconcile=args.reconcile,
                quiet=args.quiet,
                unknown_fields="send" if args.unknown_columns == "send" else "drop",
            )

    parser.set_defaults(handler=run)


def unique_key_of(kind: str, data: Any) -> str | None:
    if not isinstance(data, Mapping):
        return None
    value = data.get(_KEY_FIELD[kind])
    if not isinstance(value, str) or not value.strip():
        return None
    return value.strip().lower() if kind == "users" else value


def _object_id(obj: Any) -> str:
    return str(getattr(obj, "id", None) or getattr(obj, "uuid", ""))


async def run_import(
    client: EpicClient,
    kind: str,
    rows: list[SourceRow],
    *,
    results_path: str | None,
    skip_existing: bool,
    batch_size: int = 100,
    concurrency: int = 4,
    reconcile: bool = False,
    quiet: bool = False,
    label: str | None = None,
    report_to: IO[str] | None = None,
    unknown_fields: str = "drop",
) -> int:
    """Create ``rows``, write one result line per row, report failures by line; 0 or 1.

    The file's columns were checked by :func:`read_rows`, so keys no field takes are dropped
    (``unknown_fields="drop"``) or sent unchecked (``"send"``) without failing the rows.
    """
    existing: dict[str, str] = {}
    if skip_existing:
        existing = await _existing_keys(client, kind, results_path, quiet=quiet)
    results: list[dict[str, Any] | None] = [None] * len(rows)
    to_send: list[int] = []
    first: dict[str, int] = {}  # each key's first row: a later one is a duplicate
    for index, row in enumerate(rows):
        key = unique_key_of(kind, row.data)
        if key is not None and first.setdefault(key, index) != index:
            message = (
                f"Duplicate {_KEY_FIELD[kind]} {key!r}: already used by line "
                f"{rows[first[key]].line} of this file."
            )
            errors = {_KEY_FIELD[kind]: [message]}
            results[index] = _record(row, index, key, "failed", errors=errors)
        elif key is not None and key in existing:
            results[index] = _record(row, index, key, "created", id=existing[key], skipped=True)
        else:
            to_send.append(index)

    resource = getattr(client, kind)
    with make_progress(quiet=quiet) as progress:
        task = progress.add_task(label or f"importing {kind}", total=len(to_send))

        def on_progress(done: int, total: int | None) -> None:
            progress.update(task, completed=done)

        result: BulkResult[Any] = await resource.create_many(
            [rows[i].data for i in to_send],
            batch_size=batch_size,
            concurrency=concurrency,
            on_progress=on_progress,
            reconcile=reconcile,
            unknown_fields=unknown_fields,
        )
    for sent, obj in zip(result.created_indexes, result.created, strict=True):
        index = to_send[sent]
        row = rows[index]
        key = unique_key_of(kind, row.data)
        results[index] = _record(row, index, key, "created", id=_object_id(obj))
    for failure in result.failed:
        index = to_send[failure.index]
        row = rows[index]
        errors = dict(failure.errors)
        results[index] = _record(row, index, unique_key_of(kind, row.data), "failed", errors=errors)
    for unknown in result.unknown:
        index = to_send[unknown.index]
        row = rows[index]
        key = unique_key_of(kind, row.data)
        results[index] = _record(row, index, key, "unknown", reason=unknown.reason)

    records = [r for r in results if r is not None]
    _write_results(records, results_path)
    return _report(kind, records, results_path, report_to or sys.stderr)


def _record(
    row: SourceRow, index: int, key: str | None, status: str, **extra: Any
) -> dict[str, Any]:
    return {"line": row.line, "index": index, "key": key, "status": status, **extra}


async def _existing_keys(
    client: EpicClient, kind: str, results_path: str | None, *, quiet: bool
) -> dict[str, str]:
    """Keys already created: from a complete previous results file, else from the server."""
    previous = _previous_created(results_path)
    if previous is not None:
        return previous
    found: dict[str, str] = {}
    with make_progress(quiet=quiet) as progress:
        task = progress.add_task(f"listing existing {kind}", total=None)
        pager = getattr(client, kind).list()
        async for item in pager:
            progress.update(task, total=pager.count, advance=1)
            key = unique_key_of(kind, {_KEY_FIELD[kind]: getattr(item, _KEY_FIELD[kind])})
            if key is not None:
                found[key] = _object_id(item)
    return found


def _previous_created(results_path: str | None) -> dict[str, str] | None:
    """Key → id of the rows a complete previous results file records as created; None when
    there is no such file or some of its rows are ``unknown`` (only the server knows those)."""
    if results_path is None or not Path(results_path).exists():
        return None
    previous = _read_results(results_path)
    if previous is None or any(r.get("status") == "unknown" for r in previous):
        return None
    return {
        str(r["key"]): str(r.get("id", ""))
        for r in previous
        if r.get("status") == "created" and r.get("key")
    }


def _read_results(path: str) -> list[dict[str, Any]] | None:
    """A previous results file, or None when it cannot be trusted (unreadable, not JSONL)."""
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
        records = [orjson.loads(line) for line in lines if line.strip()]
    except (OSError, orjson.JSONDecodeError):
        return None
    if not all(isinstance(r, dict) for r in records):
        return None
    return records


def _write_results(records: list[dict[str, Any]], path: str | None) -> None:
    payload = b"".join(orjson.dumps(r) + b"\n" for r in records)
    if path is None or path == "-":
        sys.stdout.write(payload.decode())
        sys.stdout.flush()
        return
    temporary = f"{path}.tmp"
    try:
        Path(temporary).write_bytes(payload)
        os.replace(temporary, path)
    except OSError as exc:
        raise ValueError(f"cannot write --results {path}: {exc.strerror}") from None


def _report(
    kind: str, records: list[dict[str, Any]], results_path: str | None, out: IO[str]
) -> int:
    created = sum(1 for r in records if r["status"] == "created" and not r.get("skipped"))
    skipped = sum(1 for r in records if r.get("skipped"))
    failed = [r for r in records if r["status"] == "failed"]
    unknown = [r for r in records if r["status"] == "unknown"]
    for record in failed[:_SHOWN_FAILURES]:
        message = "; ".join(error_lines(record["errors"])) or "rejected"
        print(f"line {record['line']}: {record['key'] or '?'}: {message}", file=out)
    if len(failed) > _SHOWN_FAILURES:
        print(f"... and {len(failed) - _SHOWN_FAILURES} more failed rows", file=out)
    for record in unknown[:_SHOWN_FAILURES]:
        print(f"line {record['line']}: {record['key']}: unknown: {record['reason']}", file=out)
    where = f" (every row's outcome in {results_path})" if results_path not in (None, "-") else ""
    print(
        f"{kind}: {created} created, {skipped} skipped (already there), {len(failed)} failed, "
        f"{len(unknown)} unknown of {len(records)} rows{where}",
        file=out,
    )
    if unknown:
        print(
            "rerun with --skip-existing to check the server and send only what is missing",
            file=out,
        )
    return 1 if failed or unknown else 0
