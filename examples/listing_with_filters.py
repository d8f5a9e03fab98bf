"""Listing with filters: typed keyword arguments, early exit, pages, unordered, reports, get_many."""

from __future__ import annotations

import asyncio
from datetime import date, timedelta

from _target import api_target

from epic_async import EpicClient
from epic_async.models import ChargerStatus, CurrentType


async def main() -> None:
    async with api_target(chargers=500) as target, EpicClient(**target) as client:
        # Enums or their strings; unknown filter values fail before any request.
        dc_available = client.chargers.list(
            status=ChargerStatus.AVAILABLE, current_type=CurrentType.DC
        )
        print("available DC chargers:", len(await dc_available.collect()))

        # Stop early: the pages still in flight are cancelled.
        first_ten = await client.chargers.list(max_items=10).collect()
        print("first ten:", [c.charger_point_id for c in first_ten][:3], "...")

        # Page by page, and as pages land (fastest) instead of in offset order.
        async for page in client.charger_ports.list(ordering="-max_power", page_size=50).pages():
            print("first page of ports by power:", [p.max_power for p in page][:5])
            break
        seen = [c.id async for c in client.chargers.list(ordered=False, concurrency=8)]
        print("every charger, unordered:", len(seen))

        # get_many: concurrent, input order, None where an id does not exist.
        found = await client.chargers.get_many([*seen[:3], "00000000-0000-0000-0000-000000000000"])
        print("get_many:", [d.charger_point_id if d else None for d in found])

        # Reports filter by date range (inclusive), charger and locations.
        week_ago = date.today() - timedelta(days=7)
        sessions = client.reports.charging_sessions(start_date=week_ago, end_date=date.today())
        energy = sum([row.energy_kwh async for row in sessions])
        print(f"energy delivered in the last 7 days: {energy:.1f} kWh")


if __name__ == "__main__":
    asyncio.run(main())
