"""Bulk import from a CSV: every row ends up created, failed (with its line and reason) or unknown.

The CSV has one charger per line with one port (columns ``port_*``). Rows are streamed into
``create_many`` (nothing is loaded whole), validated locally, sent in concurrent batches.
"""

from __future__ import annotations

import asyncio
import csv
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from _target import api_target

from epic_async import EpicClient
from epic_async.testing.rows import charger_rows

PORT_FIELDS = ("connector_id", "connector_type", "max_current", "current", "max_power", "power")


def write_sample_csv(path: Path, rows: int) -> None:
    """A spreadsheet export with a few bad rows (what operators really send)."""
    columns = ["charger_point_id", "manufacturer", "model", "current_type", "rfid_required"]
    with path.open("w", newline="") as f:
        writer = csv.DictWriter(f, [*columns, *(f"port_{name}" for name in PORT_FIELDS)])
        writer.writeheader()
        for row in charger_rows(rows, prefix="CSV", invalid_every=25):
            port = row["ports"][0]
            line = {name: row.get(name, "") for name in columns}
            line.update({f"port_{name}": port.get(name, "") for name in PORT_FIELDS})
            writer.writerow(line)


def read_chargers(path: Path) -> Iterator[dict[str, Any]]:
    """CSV lines → ChargerCreate-shaped dicts; strings are coerced by the SDK ("true", "32")."""
    with path.open(newline="") as f:
        for line in csv.DictReader(f):
            port = {k: line.pop(f"port_{k}") for k in PORT_FIELDS}
            row: dict[str, Any] = {k: v for k, v in line.items() if v != ""}
            row["ports"] = [{k: v for k, v in port.items() if v != ""}]
            yield row


async def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "chargers.csv"
        write_sample_csv(path, rows=500)
        async with api_target(chargers=0) as target, EpicClient(**target) as client:
            result = await client.chargers.create_many(
                read_chargers(path),
                batch_size=100,
                concurrency=4,
                on_progress=lambda done, total: print(f"  {done} rows settled", end="\r"),
            )
    print()
    print(result)
    for failure in result.failed[:5]:
        # +2: the header is line 1 and indexes start at 0.
        print(f"  line {failure.index + 2}: {failure.errors}")
    print(
        "created:",
        len(result.created),
        "failed:",
        len(result.failed),
        "unknown:",
        len(result.unknown),
    )


if __name__ == "__main__":
    asyncio.run(main())
