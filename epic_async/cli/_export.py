"""Read commands: ``chargers list|get``, ``ports list``, ``locations list``, ``users list`` and
``reports <name>``, each streamed to stdout (or ``--output``) as a table, CSV or JSON lines."""

from __future__ import annotations

import argparse
import sys
from collections.abc import AsyncIterator, Callable
from typing import Any

from .._client import EpicClient
from .._pagination import Pager
from ._common import make_client, stream_pager, write_records
from ._parsing import positive_int

__all__ = ["COLUMNS", "REPORTS", "add_get_command", "add_list_command", "add_reports_parser"]

#: Table columns per listing (CSV and JSON lines carry every field).
COLUMNS: dict[str, list[str]] = {
    "chargers": ["id", "charger_point_id", "custom_id", "status", "location_name", "payment_type"],
    "ports": [
        "id",
        "charger_point_id",
        "connector_id",
        "connector_type",
        "status",
        "max_power",
        "location_name",
    ],
    "locations": ["id", "custom_id", "formatted_address", "company_name", "location"],
    "users": ["uuid", "email", "first_name", "last_name", "role", "status"],
    "charger-details": [
        "id",
        "charger_point_id",
        "custom_id",
        "status",
        "manufacturer",
        "model",
        "ports",
    ],
}

#: CLI report name → (client.reports method name, table columns).
REPORTS: dict[str, tuple[str, list[str]]] = {
    "charger-status": ("charger_status", ["charger_point_id", "status", "location_name", "ports"]),
    "chargers": (
        "chargers",
        ["charger_point_id", "sessions_count", "energy_kwh", "uptime_percent", "faults_count"],
    ),
    "sessions": (
        "charging_sessions",
        ["id", "charger_point_id", "started_at", "energy_kwh", "cost", "status"],
    ),
    "faults": ("faults", ["id", "charger_point_id", "error_code", "severity", "occurred_at"]),
    "transactions": (
        "transactions",
        ["id", "charger_point_id", "amount", "currency", "payment_type", "created_at"],
    ),
}

PagerFactory = Callable[[EpicClient, argparse.Namespace], Pager[Any]]

#: ``get`` of an id the API does not have: the API's answer (404), so the API error code.
EXIT_NOT_FOUND = 3


def _listing_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--max-items", type=positive_int, default=None, help="stop after N records")
    parser.add_argument(
        "--page-size",
        type=positive_int,
        default=100,
        help="records per page asked for (the API may cap it)",
    )
    parser.add_argument("--concurrency", type=positive_int, default=8, help="pages fetched at once")


def add_list_command(
    commands: Any,
    parents: list[argparse.ArgumentParser],
    resource: str,
    factory: PagerFactory,
    add_filters: Callable[[argparse.ArgumentParser], None],
) -> None:
    parser: argparse.ArgumentParser = commands.add_parser(
        "list", parents=parents, help=f"list {resource} (concurrent paging)"
    )
    add_filters(parser)
    _listing_options(parser)

    async def run(args: argparse.Namespace) -> int:
        async with make_client(args) as client:
            pager = factory(client, args)
            await write_records(
                stream_pager(pager, quiet=args.quiet, label=f"listing {resource}"),
                fmt=args.format,
                output=args.output,
                columns=COLUMNS[resource],
            )
        return 0

    parser.set_defaults(handler=run)


def add_get_command(
    commands: Any,
    parents: list[argparse.ArgumentParser],
    resource: str,
    fetch: Callable[[EpicClient, list[str]], Any],
    columns: str,
) -> None:
    parser: argparse.ArgumentParser = commands.add_parser(
        "get", parents=parents, help=f"details of one or more {resource} by id"
    )
    parser.add_argument("ids", nargs="+", metavar="ID")

    async def run(args: argparse.Namespace) -> int:
        async with make_client(args) as client:
            found: list[Any] = await fetch(client, args.ids)
        missing = [i for i, item in zip(args.ids, found, strict=True) if item is None]

        async def records() -> AsyncIterator[Any]:
            for item in found:
                if item is not None:
                    yield item

        if len(missing) < len(found):  # nothing to print when nothing was found
            await write_records(
                records(), fmt=args.format, output=args.output, columns=COLUMNS[columns]
            )
        for object_id in missing:
            print(f"epic-async: not found: {object_id}", file=sys.stderr)
        return EXIT_NOT_FOUND if missing else 0

    parser.set_defaults(handler=run)


def add_reports_parser(commands: Any, parents: list[argparse.ArgumentParser]) -> None:
    reports = commands.add_parser("reports", help="export a report (sessions, faults, ...)")
    names = reports.add_subparsers(dest="report", required=True, metavar="REPORT")
    for name, (method, columns) in REPORTS.items():
        parser = names.add_parser(name, parents=parents, help=f"the {name} report")
        parser.add_argument("--start-date", metavar="YYYY-MM-DD", default=None)
        parser.add_argument("--end-date", metavar="YYYY-MM-DD", default=None)
        parser.add_argument("--charger", metavar="ID", default=None, help="one charger's rows")
        parser.add_argument(
            "--location", metavar="ID", action="append", default=None, help="repeatable"
        )
        _listing_options(parser)
        parser.set_defaults(handler=_report_handler(name, method, columns))


def _report_handler(
    name: str, method: str, columns: list[str]
) -> Callable[[argparse.Namespace], Any]:
    async def run(args: argparse.Namespace) -> int:
        async with make_client(args) as client:
            pager: Pager[Any] = getattr(client.reports, method)(
                start_date=args.start_date,
                end_date=args.end_date,
                charger=args.charger,
                location__in=args.location,
                page_size=args.page_size,
                concurrency=args.concurrency,
                max_items=args.max_items,
            )
            await write_records(
                stream_pager(pager, quiet=args.quiet, label=f"{name} report"),
                fmt=args.format,
                output=args.output,
                columns=columns,
            )
        return 0

    return run


def paging(args: argparse.Namespace) -> dict[str, Any]:
    """The paging keyword arguments every ``list`` takes."""
    return {
        "page_size": args.page_size,
        "concurrency": args.concurrency,
        "max_items": args.max_items,
    }
