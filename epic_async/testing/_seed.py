"""The seeded fleet: realistic random locations, users, chargers, sessions, transactions, faults.

Deterministic for a given ``random.Random``: the same seed gives the same records (ids included,
they come from the same generator). Kept fast, because the benchmarks seed 100k chargers (and by
default 300k sessions): every choice list is built once per call, never once per record.
Pure data: no aiohttp, nothing from the SDK.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from datetime import timedelta
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from ._store import Store

__all__ = ["seed_chargers", "seed_history", "seed_locations", "seed_users"]

Record = dict[str, Any]
T = TypeVar("T")

# Weighted by repetition: most of a real fleet is available or charging.
CHARGER_STATUS_MIX = (
    *("AVAILABLE",) * 3,
    *("CHARGING",) * 2,
    "OFFLINE",
    "FAULTED",
    "RESERVED",
    "UNAVAILABLE",
    "STANDBY",
    "DISABLED",
)
PORT_STATUS_MIX = (
    *("AVAILABLE",) * 3,
    *("CHARGING",) * 2,
    "PREPARING",
    "SUSPENDED_EV",
    "FINISHING",
    "FAULTED",
    "OFFLINE",
    "RESERVED",
    "UNAVAILABLE",
)
AC_CONNECTORS = ("J1772", "TYPE_2")
DC_CONNECTORS = ("CCS", "CHADEMO", "NACS")
CITIES = (
    ("Oslo", 59.91, 10.75),
    ("Austin", 30.27, -97.74),
    ("Lyon", 45.76, 4.84),
    ("Osaka", 34.69, 135.50),
    ("Denver", 39.74, -104.99),
)
STREETS = ("Main St", "Oak Ave", "Harbor Rd", "Station Sq", "Market St", "Elm Dr", "Bay Blvd")
ERROR_CODES = (
    "GroundFailure",
    "OverTemperature",
    "PowerMeterFailure",
    "ConnectorLockFailure",
    "EVCommunicationError",
)
SESSION_STATUS_MIX = (*("COMPLETED",) * 8, "IN_PROGRESS", "FAILED")


def picker(rng: random.Random) -> Callable[[Sequence[T]], T]:
    """``rng.choice`` at a fraction of its cost (one float draw); still deterministic."""
    draw = rng.random

    def pick(options: Sequence[T]) -> T:
        return options[int(draw() * len(options))]

    return pick


def fast_ids(rng: random.Random) -> Callable[[], str]:
    """UUID4 strings from ``rng`` without building ``uuid.UUID`` objects (seeding makes ~1M)."""
    bits = rng.getrandbits
    clear = ~((0xF000 << 64) | (0xC000 << 48))
    mark = (0x4000 << 64) | (0x8000 << 48)  # version 4, RFC 4122 variant

    def new_id() -> str:
        h = f"{(bits(128) & clear) | mark:032x}"
        return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"

    return new_id


def seed_locations(store: Store, rng: random.Random, count: int) -> None:
    for _ in range(count):
        city, lat, lng = rng.choice(CITIES)
        lat, lng = round(lat + rng.uniform(-0.1, 0.1), 6), round(lng + rng.uniform(-0.1, 0.1), 6)
        n = len(store.locations) + 1
        address = f"{rng.randrange(1, 999)} {rng.choice(STREETS)}, {city}"
        place = {
            "place_id": f"place-{n}",
            "formatted_address": address,
            "geometry": {"location": {"lat": lat, "lng": lng}},
            "address_components": [
                {"long_name": city, "short_name": city[:3].upper(), "types": ["locality"]}
            ],
            "utc_offset": 60,
        }
        store.add_location(
            {
                "custom_id": f"SITE-{n:05d}",
                "formatted_address": address,
                "company_name": f"{city} Depot {n}",
                "contact_email": f"site{n}@example.com",
                "is_members_only": rng.random() < 0.1,
                "location": [lat, lng],
                "places_api_data": place,
            }
        )


def seed_users(store: Store, rng: random.Random, count: int) -> None:
    for _ in range(count):
        n = len(store.users) + 1
        store.add_user(
            {
                "email": f"driver{n}@example.com",
                "role": rng.choice(("driver", "driver", "driver", "admin", "partner")),
                "first_name": rng.choice(("Ada", "Lin", "Sam", "Noor", "Kai")),
                "last_name": rng.choice(("Berg", "Ito", "Diaz", "Okafor", "Novak")),
                "status": rng.choice(("act", "act", "inv")),
                "driver": {"driver_license": f"DL{n:07d}", "is_allow_id_tag_activation": True},
                "id_tags": [f"TAG{n:06d}"],
            }
        )


def seed_chargers(store: Store, rng: random.Random, count: int) -> list[str]:
    """Add ``count`` chargers with 1-2 AC or DC ports at random locations; returns their ids."""
    location_ids = list(store.locations)
    pick, draw, days = picker(rng), rng.random, 365 * 86400
    added = []
    for _ in range(count):
        dc = draw() < 0.35
        number = len(store.chargers) + 1
        phases = 3 if dc else pick((1, 3))
        ports: list[Record] = []
        for connector_id in range(1, pick((1, 2, 2)) + 1):
            if dc:
                power = float(pick((50, 150, 350)))
                kind = pick(DC_CONNECTORS)
                ports.append({"max_power": power, "power": power, "connector_type": kind})
            else:
                # 7.4 kW is 32 A on one phase; 11 and 22 kW are 16 and 32 A on three.
                amps = 32 if phases == 1 else pick((16, 32))
                kind = pick(AC_CONNECTORS)
                ports.append({"max_current": amps, "current": amps, "connector_type": kind})
            ports[-1]["connector_id"] = connector_id
        row = {
            "charger_point_id": f"EPC-{number:07d}-{int(draw() * 65536):04X}",
            "custom_id": f"Charger {number}" if draw() < 0.8 else None,
            "manufacturer": pick(("epic_ocpp", "generic_ocpp")),
            "model": pick(("epic_home", "epic_pro", "epic_fleet")),
            "current_type": "DC" if dc else "AC",
            "payment_type": pick(("PAID", "PAID", "FREE")),
            "number_phases": phases,
            "id_tag_required": draw() < 0.3,
            "rfid_required": draw() < 0.2,
            "connectivity": pick(("WIFI", "ETHERNET", "CELLULAR")),
            "location": pick(location_ids) if location_ids else None,
            "ports": ports,
        }
        created = store.now - timedelta(seconds=int(draw() * days))
        port_statuses = [pick(PORT_STATUS_MIX) for _ in ports]
        record = store.create_charger(
            row,
            status=pick(CHARGER_STATUS_MIX),
            port_statuses=port_statuses,
            created_at=created,
        )
        added.append(record["id"])
    return added


def seed_history(store: Store, rng: random.Random, sessions: int, faults: int) -> None:
    """Sessions (with a transaction for each completed one) and faults on random ports."""
    port_ids = list(store.ports)
    if not port_ids:
        return
    users = list(store.users.values())
    pick, draw, new_id = picker(rng), rng.random, fast_ids(rng)
    ports, chargers, now = store.ports, store.chargers, store.now
    month = 30 * 86400
    for _ in range(sessions):
        port = ports[pick(port_ids)]
        charger = chargers[port["charger"]]
        user = pick(users) if users else None
        started = now - timedelta(seconds=int(draw() * month))
        status = pick(SESSION_STATUS_MIX)
        seconds = 600 + int(draw() * 13800) if status != "FAILED" else 0
        energy = round(port["max_power"] * seconds / 3600 * (0.3 + 0.6 * draw()), 3)
        cost = round(energy * 0.35, 2) if charger["payment_type"] == "PAID" else 0.0
        ended = None if status == "IN_PROGRESS" else (started + timedelta(seconds=seconds))
        session = {
            "id": new_id(),
            "charger_id": charger["id"],
            "charger_point_id": charger["charger_point_id"],
            "port_id": port["id"],
            "connector_id": port["connector_id"],
            "location_id": charger["location_id"],
            "location_name": charger["location_name"],
            "user_uuid": user["uuid"] if user else None,
            "id_tag": user["id_tags"][0] if user and user["id_tags"] else None,
            "started_at": started.isoformat(),
            "ended_at": None if ended is None else ended.isoformat(),
            "energy_kwh": energy,
            "duration_seconds": seconds,
            "cost": cost,
            "currency": "USD",
            "status": status,
        }
        store.sessions[session["id"]] = session
        if status == "COMPLETED":
            transaction = {
                "id": new_id(),
                "session_id": session["id"],
                "charger_id": charger["id"],
                "charger_point_id": charger["charger_point_id"],
                "location_id": charger["location_id"],
                "user_uuid": session["user_uuid"],
                "energy_kwh": energy,
                "amount": cost,
                "currency": "USD",
                "payment_type": charger["payment_type"],
                "created_at": session["ended_at"],
            }
            store.transactions[transaction["id"]] = transaction
    for _ in range(faults):
        port = ports[pick(port_ids)]
        charger = chargers[port["charger"]]
        occurred = now - timedelta(seconds=int(draw() * month))
        resolved = occurred + timedelta(minutes=1 + int(draw() * 599))
        fault = {
            "id": new_id(),
            "charger_id": charger["id"],
            "charger_point_id": charger["charger_point_id"],
            "location_id": charger["location_id"],
            "port_id": port["id"],
            "error_code": pick(ERROR_CODES),
            "vendor_error_code": f"E{100 + int(draw() * 900)}" if draw() < 0.5 else None,
            "info": None,
            "severity": pick(("INFO", "WARNING", "WARNING", "CRITICAL")),
            "occurred_at": occurred.isoformat(),
            "resolved_at": resolved.isoformat() if draw() < 0.7 else None,
        }
        store.faults[fault["id"]] = fault
