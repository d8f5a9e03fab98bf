"""Quick start: list chargers, read one in detail, count ports by status.

Run: ``python examples/quickstart_async.py`` (offline, on the simulator) or with ``EPIC_API_KEY``
and ``EPIC_TENANT`` set to use your tenant.
"""

from __future__ import annotations

import asyncio
from collections import Counter

from _target import api_target

from epic_async import EpicClient


async def main() -> None:
    async with api_target(chargers=300) as target, EpicClient(**target) as client:
        ports_by_status: Counter[str] = Counter()
        first_id = None
        async for charger in client.chargers.list(page_size=100):
            first_id = first_id or charger.id
            ports_by_status.update(str(port.status.key) for port in charger.ports)
        print("ports by status:", dict(ports_by_status.most_common()))

        if first_id is not None:
            detail = await client.chargers.get(first_id)
            connectors = [str(p.connector_type.key) for p in detail.ports if p.connector_type]
            print(f"{detail.charger_point_id}: {detail.manufacturer} {detail.model}, {connectors}")
        print("requests sent:", client.metrics.requests)


if __name__ == "__main__":
    asyncio.run(main())
