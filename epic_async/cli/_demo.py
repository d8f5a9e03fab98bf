"""``epic-async demo``: the SDK's main job on the embedded simulator, no credentials needed.

It starts the simulator (with latency and a server rate limit, like a real tenant), lists the whole
fleet with concurrent paging and a progress bar, prints a status summary, and ends with what it
measured: records/s, requests, retries, 429s.
"""

from __future__ import annotations

import argparse
import time
from collections import Counter
from typing import Any

from rich.console import Console
from rich.table import Table

from .._client import EpicClient
from .._ratelimit import RateLimit
from ..testing import FakeEpicServer
from ._progress import make_progress, stderr_console


def add_demo_parser(commands: Any) -> None:
    parser: argparse.ArgumentParser = commands.add_parser(
        "demo", help="run the SDK's main job against the embedded simulator"
    )
    parser.add_argument(
        "--size", type=int, default=5000, help="chargers in the fleet (default 5000)"
    )
    parser.add_argument(
        "--latency", type=float, default=0.02, help="simulated API latency, seconds"
    )
    parser.add_argument(
        "--rate", type=float, default=200.0, help="the simulated tenant's rate limit"
    )
    parser.set_defaults(handler=demo)


async def demo(args: argparse.Namespace) -> int:
    if args.size < 1:
        raise ValueError(f"--size must be >= 1, got {args.size}")
    out = Console()
    stderr_console.print(
        f"[bold]epic-async demo[/]: simulator with {args.size} chargers, "
        f"{args.latency * 1000:.0f} ms latency, {args.rate:.0f} req/s limit"
    )
    simulator = FakeEpicServer(
        chargers=args.size, latency=args.latency, rate=args.rate, burst=20, max_limit=100
    )
    with simulator.run_in_thread() as server:
        async with EpicClient(
            api_key=server.api_key,
            base_url=server.base_url,
            rate_limit=RateLimit(rate=args.rate * 0.95, burst=20),
        ) as client:
            started = time.perf_counter()
            by_status: Counter[str] = Counter()
            ports_by_status: Counter[str] = Counter()
            power_by_status: Counter[str] = Counter()  # kW, summed as ints
            pager = client.chargers.list(page_size=100, concurrency=10)
            with make_progress(quiet=args.quiet) as progress:
                task = progress.add_task("listing chargers", total=None)
                async for charger in pager:
                    if pager.count is not None:
                        progress.update(task, total=pager.count)
                    progress.advance(task)
                    by_status[str(charger.status.key)] += 1
                    for port in charger.ports:
                        ports_by_status[str(port.status.key)] += 1
                        power_by_status[str(port.status.key)] += round(port.max_power or 0)
            elapsed = time.perf_counter() - started
            out.print(_summary(by_status, ports_by_status, power_by_status))
            metrics = client.metrics
            records = sum(by_status.values())
            out.print(
                f"listed {records} chargers in {elapsed:.2f} s "
                f"({records / elapsed:,.0f} records/s); requests {metrics.requests}, "
                f"retries {metrics.retries}, 429s {metrics.throttled}"
            )
    return 0


def _summary(chargers: Counter[str], ports: Counter[str], power: Counter[str]) -> Table:
    table = Table(title="Fleet status")
    table.add_column("status")
    table.add_column("chargers", justify="right")
    table.add_column("ports", justify="right")
    table.add_column("port capacity kW", justify="right")
    for status in sorted(set(chargers) | set(ports)):
        table.add_row(status, str(chargers[status]), str(ports[status]), f"{power[status]:,.0f}")
    return table
