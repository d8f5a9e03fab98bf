"""``epic-async demo``: the SDK's main job on the embedded simulator, no credentials needed.

It starts the simulator (with latency and a server rate limit, like a real tenant), writes
spreadsheets of locations and chargers (a few rows broken on purpose), bulk-creates them from the
CSV files with progress bars (bad rows reported with their line numbers), lists the whole fleet
and its ports with concurrent paging, prints a status summary, exports the charging-session report
to CSV, and ends with what it measured: records/s, requests, retries, 429s.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

import attrs
from rich.console import Console
from rich.table import Table

from .._client import EpicClient
from .._ratelimit import RateLimit
from ..testing import FakeEpicServer
from ._common import stream_pager, write_records
from ._demo_data import write_chargers_csv, write_locations_csv
from ._import import run_import
from ._parsing import non_negative_number, plain, positive_int, positive_number
from ._progress import stderr_console
from ._rows import read_rows

__all__ = ["add_demo_parser"]


def add_demo_parser(commands: Any, parents: list[argparse.ArgumentParser]) -> None:
    parser: argparse.ArgumentParser = commands.add_parser(
        "demo",
        parents=parents,
        help="run the SDK's main job against the embedded simulator",
        description=plain(__doc__),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--size",
        type=positive_int,
        default=2500,
        help="chargers to import; the simulator also starts with this many (default 2500)",
    )
    parser.add_argument(
        "--latency",
        type=non_negative_number,
        default=0.02,
        help="simulated API latency, seconds (0.02)",
    )
    parser.add_argument(
        "--server-rate",
        type=positive_number,
        default=100.0,
        help="the simulated tenant's limit, req/s",
    )
    parser.add_argument(
        "--out-dir", default=None, help="where the CSV files go (default: a new temp dir)"
    )
    parser.set_defaults(handler=demo)


@attrs.define
class _Stage:
    name: str
    records: int
    seconds: float


async def demo(args: argparse.Namespace) -> int:
    out = Console(width=max(100, Console().width))
    workdir = _workdir(args.out_dir)
    client_rate = args.server_rate * 0.95  # told slightly less than the tenant allows
    stderr_console.print(
        f"[bold]epic-async demo[/]: simulator with {args.size} chargers, "
        f"{args.latency * 1000:.0f} ms latency, {args.server_rate:.0f} req/s limit "
        f"(client paced at {client_rate:.0f} req/s); files in {workdir}"
    )
    simulator = FakeEpicServer(
        chargers=args.size,
        latency=args.latency,
        rate=args.server_rate,
        burst=20,
        max_limit=500,
    )
    stages: list[_Stage] = []
    started = time.perf_counter()
    with simulator.run_in_thread() as server:
        async with EpicClient(
            api_key=server.api_key,
            base_url=server.base_url,
            rate_limit=RateLimit(rate=client_rate, burst=20),
        ) as client:
            await _import_stage(client, args, workdir, out, stages)
            ports = await _fleet_stage(client, args, out, stages)
            await _report_stage(client, args, workdir, out, stages)
            metrics = client.metrics
        server_429s = server.counters.throttled
    total = time.perf_counter() - started
    out.print(_ports_table(ports))
    out.print(_measured_table(stages))
    out.print(
        f"total {total:.1f} s: {metrics.requests} requests, {metrics.retries} retries, "
        f"{metrics.throttled} 429s (server counted {server_429s}), "
        f"{metrics.bytes_received / 1e6:.1f} MB received"
    )
    out.print(f"files: {workdir}")
    return 0


async def _import_stage(
    client: EpicClient,
    args: argparse.Namespace,
    workdir: Path,
    out: Console,
    stages: list[_Stage],
) -> None:
    size = args.size
    locations_csv = workdir / "locations.csv"
    write_locations_csv(locations_csv, max(2, size // 20), prefix="NEW")
    chargers_csv = workdir / "chargers.csv"
    for kind, path in (("locations", locations_csv), ("chargers", chargers_csv)):
        if kind == "chargers":
            location_ids = _created_ids(workdir / "locations-results.jsonl")
            invalid_every = max(2, size // 5)  # about five broken rows
            write_chargers_csv(
                path, size, prefix="NEW", location_ids=location_ids, invalid_every=invalid_every
            )
        rows = read_rows(str(path), kind)
        out.print(f"[bold]{kind}[/]: importing {len(rows)} rows from {path.name}")
        began = time.perf_counter()
        await run_import(
            client,
            kind,
            rows,
            results_path=str(workdir / f"{kind}-results.jsonl"),
            skip_existing=False,
            quiet=args.quiet,
            label=f"importing {kind}",
            report_to=sys.stdout,
        )
        stages.append(
            _Stage(f"import {kind} (bulk create)", len(rows), time.perf_counter() - began)
        )


def _workdir(out_dir: str | None) -> Path:
    workdir = Path(out_dir or tempfile.mkdtemp(prefix="epic-async-demo-"))
    try:
        workdir.mkdir(parents=True, exist_ok=True)
    except (FileExistsError, NotADirectoryError):
        raise ValueError(f"--out-dir {out_dir} is a file, not a directory") from None
    except OSError as exc:
        raise ValueError(f"cannot create --out-dir {out_dir}: {exc.strerror}") from None
    return workdir


def _created_ids(results: Path) -> list[str]:
    import orjson

    lines = results.read_bytes().splitlines()
    return [
        str(r["id"])
        for r in map(orjson.loads, lines)
        if r.get("status") == "created" and r.get("id")
    ]


async def _fleet_stage(
    client: EpicClient, args: argparse.Namespace, out: Console, stages: list[_Stage]
) -> list[Any]:
    began = time.perf_counter()
    by_status: Counter[str] = Counter()
    pager = client.chargers.list(page_size=100, concurrency=8)
    async for charger in stream_pager(pager, quiet=args.quiet, label="listing chargers"):
        by_status[str(charger.status.key)] += 1
    stages.append(_Stage("list chargers", sum(by_status.values()), time.perf_counter() - began))
    out.print(_count_table("Chargers by status", by_status))

    began = time.perf_counter()
    ports = [
        port
        async for port in stream_pager(
            # 500 a page: the simulator renders every port for each page of this listing.
            client.charger_ports.list(page_size=500, concurrency=8),
            quiet=args.quiet,
            label="listing ports",
        )
    ]
    stages.append(_Stage("list ports", len(ports), time.perf_counter() - began))
    return ports


async def _report_stage(
    client: EpicClient,
    args: argparse.Namespace,
    workdir: Path,
    out: Console,
    stages: list[_Stage],
) -> None:
    began = time.perf_counter()
    path = workdir / "charging-sessions.csv"
    pager = client.reports.charging_sessions(page_size=100, concurrency=8)
    count = await write_records(
        stream_pager(pager, quiet=args.quiet, label="sessions report"),
        fmt="csv",
        output=str(path),
    )
    stages.append(_Stage("export sessions report", count, time.perf_counter() - began))
    out.print(f"charging-session report: {count} rows written to {path}")


def _count_table(title: str, counts: Counter[str]) -> Table:
    table = Table(title=title)
    table.add_column("status")
    table.add_column("count", justify="right")
    for key, value in counts.most_common():
        table.add_row(key, f"{value:,}")
    return table


def _ports_table(ports: list[Any]) -> Table:
    by_status: Counter[str] = Counter(str(p.status.key) for p in ports)
    count_by_type: Counter[str] = Counter()
    power_by_type: Counter[str] = Counter()
    for port in ports:
        connector = str(port.connector_type.key) if port.connector_type else "unknown"
        count_by_type[connector] += 1
        power_by_type[connector] += int(port.max_power or 0)
    table = Table(title=f"Fleet summary: {len(ports):,} ports")
    table.add_column("port status")
    table.add_column("ports", justify="right")
    table.add_column("connector type")
    table.add_column("ports", justify="right")
    table.add_column("capacity kW", justify="right")
    statuses = by_status.most_common()
    connectors = sorted(count_by_type, key=lambda c: -power_by_type[c])
    for i in range(max(len(statuses), len(connectors))):
        status, n = statuses[i] if i < len(statuses) else ("", 0)
        connector = connectors[i] if i < len(connectors) else ""
        table.add_row(
            status,
            f"{n:,}" if status else "",
            connector,
            f"{count_by_type[connector]:,}" if connector else "",
            f"{power_by_type[connector]:,}" if connector else "",
        )
    return table


def _measured_table(stages: list[_Stage]) -> Table:
    table = Table(title="What it measured")
    table.add_column("stage")
    table.add_column("records", justify="right")
    table.add_column("seconds", justify="right")
    table.add_column("records/s", justify="right")
    for stage in stages:
        rate = stage.records / stage.seconds if stage.seconds > 0 else 0.0
        table.add_row(stage.name, f"{stage.records:,}", f"{stage.seconds:.2f}", f"{rate:,.0f}")
    return table
