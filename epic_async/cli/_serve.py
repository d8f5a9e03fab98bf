"""``epic-async serve``: the simulator standalone, for other tools and manual exploration."""

from __future__ import annotations

import argparse
import asyncio
import sys
from typing import Any

from ..testing import FakeEpicServer
from ._parsing import non_negative_number, port_number, positive_int, positive_number


def add_serve_parser(commands: Any, parents: list[argparse.ArgumentParser]) -> None:
    parser: argparse.ArgumentParser = commands.add_parser(
        "serve", parents=parents, help="run the API simulator until interrupted"
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on")
    parser.add_argument("--port", type=port_number, default=8080, help="0: any free port")
    parser.add_argument("--chargers", type=positive_int, default=200, help="seeded fleet size")
    parser.add_argument(
        "--latency", type=non_negative_number, default=0.0, help="seconds added per request"
    )
    parser.add_argument(
        "--rate", type=positive_number, default=None, help="server rate limit (req/s)"
    )
    parser.add_argument("--burst", type=positive_int, default=10, help="server token bucket size")
    parser.add_argument("--api-key", default="test-key", help="the key clients must send")
    parser.set_defaults(handler=serve)


async def serve(args: argparse.Namespace) -> int:
    server = FakeEpicServer(
        host=args.host,
        port=args.port,
        chargers=args.chargers,
        latency=args.latency,
        rate=args.rate,
        burst=args.burst,
        api_keys={args.api_key: {"read", "write"}},
    )
    try:
        await server.__aenter__()
    except OSError as exc:
        raise ValueError(
            f"cannot serve on --host {args.host} --port {args.port}: {exc.strerror}"
        ) from None
    try:
        print(f"serving the Epic API simulator at {server.base_url}", file=sys.stderr)
        print(
            f"clients send the header Token-Authorization: {args.api_key}  (Ctrl-C stops)",
            file=sys.stderr,
        )
        await asyncio.Event().wait()
    finally:
        await server.__aexit__(None, None, None)
    return 0
