"""A million-row import with bounded memory: ``python -m benchmarks.million_rows [--rows N]``.

Streams ``--rows`` generated charger rows (a generator: nothing is materialised) through
``client.chargers.create_many`` against the simulator in its own process, twice: once keeping every
created object in ``result.created`` (memory grows with the input) and once handing them to
``on_created`` (memory bounded by the batches in flight plus the duplicate check's keys). Prints
wall time, client peak RSS (``ru_maxrss`` of a fresh child process per mode) and the server's
created-id counters (every row created exactly once).
"""

from __future__ import annotations

import argparse
import asyncio
import resource
import time
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from typing import Any

from epic_async import EpicClient
from epic_async.testing import FakeEpicServer
from epic_async.testing.rows import charger_rows


def _import(base_url: str, api_key: str, rows: int, prefix: str, stream: bool) -> dict[str, Any]:
    """One import in this (fresh) process; returns its figures, peak RSS included."""

    async def run() -> dict[str, Any]:
        created = 0

        def count(_index: int, _charger: object) -> None:
            nonlocal created
            created += 1

        async with EpicClient(api_key=api_key, base_url=base_url, rate_limit=None) as client:
            started = time.perf_counter()
            result = await client.chargers.create_many(
                charger_rows(rows, prefix=prefix),
                batch_size=500,
                concurrency=4,
                on_created=count if stream else None,
            )
            wall = time.perf_counter() - started
        return {
            "wall": wall,
            "created": len(result.created_indexes),
            "failed": len(result.failed),
            "unknown": len(result.unknown),
            "kept": len(result.created),
            "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        }

    return asyncio.run(run())


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.million_rows")
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--keep-rows", type=int, default=100_000, help="rows for the keep-all mode")
    args = parser.parse_args()
    print(f"{'mode':<34}{'rows':>10}{'wall s':>9}{'peak RSS MB':>13}{'server created':>16}")
    modes = (("keep every created object", args.keep_rows, False), ("on_created (streamed)", args.rows, True))  # fmt: skip
    for label, rows, stream in modes:
        with FakeEpicServer.run_in_process(
            chargers=0, locations=1, users=0, sessions=0, faults=0, max_batch=500
        ) as sim:
            with ProcessPoolExecutor(1, mp_context=get_context("spawn")) as pool:
                figures = pool.submit(
                    _import, sim.base_url, sim.api_key, rows, "M", stream
                ).result()
            counters = sim.counters()
        exactly_once = counters["created_ids_count"] == counters["created_ids_unique"] == rows
        print(
            f"{label:<34}{rows:>10,}{figures['wall']:>9.1f}{figures['peak_rss_mb']:>13.0f}"
            f"{counters['created_ids_count']:>16,}{'' if exactly_once else '  NOT exactly once'}"
        )


if __name__ == "__main__":
    main()
