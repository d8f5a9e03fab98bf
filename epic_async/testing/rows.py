"""Generated create rows (plain dicts, as read from a spreadsheet) for demos, tests, benchmarks.

``invalid_every=n`` makes every n-th row invalid in a realistic way (a missing field, an AC port
without a current, an unknown connector type, a repeated ``charger_point_id``), so the validation
and reporting paths run too. Deterministic for a given ``seed``.

>>> rows = list(charger_rows(3, prefix="CP"))
>>> rows[0]["charger_point_id"]
'CP-000000'
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from typing import Any

from ._seed import CITIES, STREETS  # one set of places for seeded fleets and generated rows

__all__ = ["charger_rows", "invalid_indexes", "location_rows", "user_rows"]

_AC_CONNECTORS = ("J1772", "TYPE_2", "SHUKO")
_DC_CONNECTORS = ("CCS", "CHADEMO", "CCS_COMBO_2", "NACS")


def invalid_indexes(count: int, invalid_every: int | None) -> set[int]:
    """The indexes that :func:`charger_rows` (and friends) make invalid."""
    if not invalid_every:
        return set()
    return {i for i in range(count) if i % invalid_every == invalid_every - 1}


def _break_charger(row: dict[str, Any], kind: int) -> None:
    if kind == 0:
        del row["manufacturer"]
    elif kind == 1:
        port = row["ports"][0]
        port.pop("current", None)
        port.pop("power", None)
    elif kind == 2:
        row["ports"][0]["connector_type"] = "TYPE_9"
    else:
        row["charger_point_id"] = row["charger_point_id"].rsplit("-", 1)[0] + "-000000"


def charger_rows(
    count: int,
    *,
    prefix: str = "CP",
    seed: int = 0,
    invalid_every: int | None = None,
    location: str | None = None,
) -> Iterator[dict[str, Any]]:
    """``count`` ChargerCreate-shaped dicts (AC and DC), streamed."""
    rng = random.Random(seed)
    broken = 0
    for i in range(count):
        dc = rng.random() < 0.35
        ports = []
        for connector_id in range(1, rng.choice((1, 1, 2, 2, 3)) + 1):
            if dc:
                power = rng.choice((50, 75, 150, 350))
                port: dict[str, Any] = {"max_power": power, "power": power}
                port["connector_type"] = rng.choice(_DC_CONNECTORS)
            else:
                amps = rng.choice((16, 32, 40, 48))
                port = {"max_current": amps, "current": amps}
                port["connector_type"] = rng.choice(_AC_CONNECTORS)
            port["connector_id"] = connector_id
            ports.append(port)
        row: dict[str, Any] = {
            "charger_point_id": f"{prefix}-{i:06d}",
            "manufacturer": rng.choice(("epic_ocpp", "generic_ocpp")),
            "model": rng.choice(("epic_home", "epic_pro", "epic_fleet")),
            "custom_id": f"Charger {i}",
            "ports": ports,
            "connectivity": rng.choice(("WIFI", "ETHERNET", "CELLULAR")),
            "current_type": "DC" if dc else "AC",
            "payment_type": rng.choice(("PAID", "FREE")),
            "number_phases": 3 if dc else rng.choice((1, 3)),
            "id_tag_required": rng.random() < 0.3,
            "rfid_required": rng.random() < 0.2,
        }
        if location is not None:
            row["location"] = location
        if invalid_every and i % invalid_every == invalid_every - 1:
            _break_charger(row, broken % 4 if i >= invalid_every else broken % 3)
            broken += 1
        yield row


def location_rows(count: int, *, prefix: str = "LOC", seed: int = 0) -> Iterator[dict[str, Any]]:
    """``count`` LocationCreate-shaped dicts with real-looking addresses and coordinates."""
    rng = random.Random(seed)
    for i in range(count):
        city, lat, lng = rng.choice(CITIES)
        lat, lng = round(lat + rng.uniform(-0.1, 0.1), 6), round(lng + rng.uniform(-0.1, 0.1), 6)
        address = f"{rng.randint(1, 999)} {rng.choice(STREETS)}, {city}"
        yield {
            "custom_id": f"{prefix}-{i:05d}",
            "formatted_address": address,
            "company_name": f"{city} Charging Co",
            "contact_email": f"ops{i}@example.com",
            "is_members_only": rng.random() < 0.1,
            "location": [lat, lng],
            "places_api_data": {
                "place_id": f"place-{prefix}-{i}",
                "formatted_address": address,
                "geometry": {"location": {"lat": lat, "lng": lng}},
            },
        }


def user_rows(count: int, *, prefix: str = "user", seed: int = 0) -> Iterator[dict[str, Any]]:
    """``count`` UserCreate-shaped dicts (mostly drivers)."""
    rng = random.Random(seed)
    for i in range(count):
        yield {
            "email": f"{prefix}{i}@example.com",
            "role": rng.choice(("driver", "driver", "driver", "admin", "partner")),
            "first_name": rng.choice(("Ada", "Lin", "Sam", "Noor", "Kai")),
            "last_name": rng.choice(("Berg", "Ito", "Diaz", "Okafor", "Novak")),
            "driver": {"driver_license": f"DL{i:07d}", "is_allow_id_tag_activation": True},
            "id_tags": [f"TAG{i:06d}"],
        }
