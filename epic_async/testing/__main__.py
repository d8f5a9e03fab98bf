"""``python -m epic_async.testing``: serve the simulator until terminated.

    python -m epic_async.testing --port 8080 --chargers 1000 --latency 0.02 --rate 50

Prints one JSON line on stdout once listening, ``{"base_url": ..., "api_key": ...}``, which
``FakeEpicServer.run_in_process`` reads to find the child. ``--options '{...}'`` passes any
``FakeEpicServer`` keyword arguments as JSON (the flags override it); ``--variant`` names a preset
of ``VARIANTS`` (``drifting``, ``drf-3.18``, ...) or gives a ``Variant`` as JSON.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import sys
from typing import Any

from ._server import FakeEpicServer

# flag name → type; each maps to the FakeEpicServer keyword argument of the same name.
_FLAGS: dict[str, type] = {
    "host": str,
    "port": int,
    "chargers": int,
    "locations": int,
    "users": int,
    "sessions": int,
    "faults": int,
    "seed": int,
    "default_limit": int,
    "max_limit": int,
    "latency": float,
    "rate": float,
    "burst": int,
    "retry_after": float,
    "fault_rate": float,
    "max_batch": int,
    "oversize_status": int,
    "bulk_item_delay": float,
}


def parse_options(argv: list[str] | None = None) -> dict[str, Any]:
    """The FakeEpicServer keyword arguments these command-line arguments ask for."""
    parser = argparse.ArgumentParser(prog="python -m epic_async.testing", description=__doc__)
    for name, kind in _FLAGS.items():
        parser.add_argument("--" + name.replace("_", "-"), dest=name, type=kind, default=None)
    parser.add_argument("--fault-statuses", help="comma list of statuses, e.g. 429,503")
    parser.add_argument("--api-key", help="the key clients must send (read and write)")
    parser.add_argument("--prerender", action="store_true", help="cache whole charger pages")
    parser.add_argument("--options", default="{}", help="FakeEpicServer keyword arguments, as JSON")
    parser.add_argument("--variant", help="a preset name (e.g. drifting) or a Variant as JSON")
    args = parser.parse_args(argv)
    options: dict[str, Any] = json.loads(args.options)
    options.update({n: getattr(args, n) for n in _FLAGS if getattr(args, n) is not None})
    if args.fault_statuses:
        options["fault_statuses"] = [int(s) for s in args.fault_statuses.split(",")]
    if args.api_key:
        options["api_keys"] = {args.api_key: ["read", "write"]}
    if args.prerender:
        options["prerender"] = True
    if args.variant:
        text = args.variant.strip()
        options["variant"] = json.loads(text) if text.startswith("{") else text
    # JSON has no sets or tuples: restore the types the constructor documents.
    if "api_keys" in options:
        options["api_keys"] = {k: set(v) for k, v in options["api_keys"].items()}
    if "fault_statuses" in options:
        options["fault_statuses"] = tuple(options["fault_statuses"])
    return options


async def _serve(options: dict[str, Any]) -> None:
    async with FakeEpicServer(**options) as server:
        # This process exists to serve benchmarks and never to be their bottleneck. Its store is
        # long-lived and only grows (a bulk benchmark adds 10,000 chargers a run), so the
        # collector's full passes over it grew to 0.2 s pauses mid-run: the seeded fleet is moved
        # out of the collector's sight, and full passes are made rarer.
        gc.collect()
        gc.freeze()
        gc.set_threshold(700, 10, 1_000)
        line = {"base_url": server.base_url, "api_key": server.api_key}
        print(json.dumps(line), flush=True)
        await asyncio.Event().wait()


def main(argv: list[str] | None = None) -> None:
    try:
        asyncio.run(_serve(parse_options(argv)))
    except KeyboardInterrupt:
        sys.exit(0)


if __name__ == "__main__":
    main()
