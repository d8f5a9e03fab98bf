"""``python -m epic_async.testing --options '{"chargers": 1000}'``: serve until terminated.

Prints one JSON line (``{"base_url": ...}``) on stdout once listening; used by
``FakeEpicServer.run_in_process`` (``epic-async serve`` is the friendlier command for people).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys

from ._simulator import FakeEpicServer


async def _serve(options: dict[str, object]) -> None:
    async with FakeEpicServer(**options) as server:  # type: ignore[arg-type]
        print(json.dumps({"base_url": server.base_url}), flush=True)
        await asyncio.Event().wait()


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m epic_async.testing")
    parser.add_argument("--options", default="{}", help="FakeEpicServer keyword arguments, as JSON")
    options = json.loads(parser.parse_args().options)
    if "api_keys" in options:
        options["api_keys"] = {k: set(v) for k, v in options["api_keys"].items()}
    if "fault_statuses" in options:
        options["fault_statuses"] = tuple(options["fault_statuses"])
    try:
        asyncio.run(_serve(options))
    except KeyboardInterrupt:
        sys.exit(0)


if __name__ == "__main__":
    main()
