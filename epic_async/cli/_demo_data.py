"""The demo's input files: generated spreadsheets of locations and chargers, a few rows broken."""

from __future__ import annotations

import csv
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ..testing.rows import charger_rows, location_rows

__all__ = ["write_chargers_csv", "write_locations_csv"]

_LOCATION_COLUMNS = [
    "custom_id",
    "formatted_address",
    "company_name",
    "contact_email",
    "is_members_only",
    "latitude",
    "longitude",
    "place_id",
]
_CHARGER_COLUMNS = [
    "charger_point_id",
    "manufacturer",
    "model",
    "custom_id",
    "location",
    "connectivity",
    "current_type",
    "payment_type",
    "number_phases",
    "id_tag_required",
    "rfid_required",
]
_PORT_COLUMNS = ["connector_id", "connector_type", "max_power", "power", "max_current", "current"]


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def write_locations_csv(path: Path, count: int, *, prefix: str) -> None:
    """``count`` locations, one per line; the middle one has an impossible latitude."""
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(_LOCATION_COLUMNS)
        for i, row in enumerate(location_rows(count, prefix=prefix)):
            lat, lng = row["location"]
            if i == count // 2:
                lat = 123.0  # broken on purpose: reported with its line number
            flat = {**row, "latitude": lat, "longitude": lng, "place_id": f"place-{prefix}-{i}"}
            writer.writerow([_cell(flat.get(c)) for c in _LOCATION_COLUMNS])


def write_chargers_csv(
    path: Path, count: int, *, prefix: str, location_ids: Sequence[str], invalid_every: int
) -> None:
    """``count`` chargers, one port per line (``port_*`` columns), spread over ``location_ids``;
    every ``invalid_every``-th row broken the ways a spreadsheet goes wrong."""
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(_CHARGER_COLUMNS + [f"port_{c}" for c in _PORT_COLUMNS])
        rows = charger_rows(count, prefix=prefix, invalid_every=invalid_every, seed=7)
        for i, row in enumerate(rows):
            if location_ids:
                row["location"] = location_ids[i % len(location_ids)]
            charger = [_cell(row.get(c)) for c in _CHARGER_COLUMNS]
            for n, port in enumerate(row["ports"]):
                first = charger if n == 0 else [row["charger_point_id"]] + [""] * (len(charger) - 1)
                writer.writerow(first + [_cell(port.get(c)) for c in _PORT_COLUMNS])
