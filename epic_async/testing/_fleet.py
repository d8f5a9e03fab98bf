"""The simulator's in-memory data: a seeded, realistic fleet and the JSON the API would render.

Records are plain dicts holding every field of every view; ``render_*`` functions pick the fields
of one view (list item, detail, port, report row). The charger list view is the hot path of the
benchmarks, so each charger's list JSON is rendered once and cached as bytes until it changes.
Pure data: no aiohttp, nothing imported from the SDK (the simulator must not share its bugs).
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson

__all__ = ["Fleet", "label"]

Record = dict[str, Any]

CHARGER_STATUSES = (
    "AVAILABLE",
    "AVAILABLE",
    "AVAILABLE",
    "CHARGING",
    "CHARGING",
    "OFFLINE",
    "FAULTED",
    "RESERVED",
    "UNAVAILABLE",
    "STANDBY",
    "DISABLED",
)
PORT_STATUSES = (
    "AVAILABLE",
    "AVAILABLE",
    "AVAILABLE",
    "CHARGING",
    "CHARGING",
    "PREPARING",
    "SUSPENDED_EV",
    "FINISHING",
    "FAULTED",
    "OFFLINE",
    "RESERVED",
    "UNAVAILABLE",
)
AC_CONNECTORS = ("J1772", "TYPE_2", "SHUKO")
DC_CONNECTORS = ("CCS", "CHADEMO", "NACS", "CCS_COMBO_2")
CITIES = (
    ("Oslo", 59.91, 10.75),
    ("Austin", 30.27, -97.74),
    ("Lyon", 45.76, 4.84),
    ("Osaka", 34.69, 135.50),
    ("Denver", 39.74, -104.99),
)


def label(key: str) -> str:
    """The human label the API pairs with an enum key: ``SUSPENDED_EV`` → ``Suspended Ev``."""
    return key.replace("_", " ").title()


def _status(key: str) -> dict[str, str]:
    return {"key": key, "value": label(key)}


def _iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.isoformat()


class Fleet:
    """Every record the simulator serves, seeded deterministically from ``seed``."""

    def __init__(
        self,
        *,
        seed: int,
        chargers: int,
        locations: int | None = None,
        users: int | None = None,
        sessions: int | None = None,
        faults: int | None = None,
    ) -> None:
        self.rng = random.Random(seed)
        self.now = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
        self.locations: dict[str, Record] = {}
        self.chargers: dict[str, Record] = {}
        self.ports: dict[str, Record] = {}
        self.users: dict[str, Record] = {}
        self.sessions: dict[str, Record] = {}
        self.faults: dict[str, Record] = {}
        self.transactions: dict[str, Record] = {}
        # The unique keys of bulk creates, kept as sets so a create checks them in O(1).
        self.point_ids: set[str] = set()
        self.location_ids: set[str] = set()
        self.emails: set[str] = set()
        self._list_json: dict[str, bytes] = {}
        self._order: list[str] | None = None
        self.version = 0  # bumped on every change: page caches key on it
        for _ in range(locations if locations is not None else chargers // 10 + 1):
            self.add_location(self._random_location())
        for _ in range(users if users is not None else chargers // 2):
            self.add_user(self._random_user())
        self.add_random_chargers(chargers)
        for _ in range(sessions if sessions is not None else chargers * 3 if chargers else 0):
            self._add_random_session()
        for _ in range(faults if faults is not None else chargers // 2):
            self._add_random_fault()

    # --- ids and randomness ------------------------------------------------------------------

    def new_id(self) -> str:
        return str(uuid.UUID(int=self.rng.getrandbits(128), version=4))

    def _past(self, days: int = 30) -> datetime:
        return self.now - timedelta(seconds=self.rng.randrange(days * 86400))

    # --- chargers and ports ------------------------------------------------------------------

    def add_random_chargers(self, count: int) -> list[str]:
        """Add ``count`` seeded chargers (1-2 ports each) at random locations; returns their ids."""
        rng = self.rng
        location_ids = list(self.locations)
        added = []
        for _ in range(count):
            dc = rng.random() < 0.35
            number = len(self.chargers) + 1
            location_id = rng.choice(location_ids) if location_ids else None
            ports = []
            for connector_id in range(1, rng.choice((1, 2, 2)) + 1):
                if dc:
                    power = float(rng.choice((50, 150, 350)))
                    ports.append(
                        {
                            "connector_id": connector_id,
                            "connector_type": rng.choice(DC_CONNECTORS),
                            "max_power": power,
                            "power": power,
                        }
                    )
                else:
                    amps = rng.choice((16, 32, 48))
                    ports.append(
                        {
                            "connector_id": connector_id,
                            "connector_type": rng.choice(AC_CONNECTORS),
                            "max_current": amps,
                            "current": amps,
                        }
                    )
            row = {
                "charger_point_id": f"EPC-{number:07d}-{rng.randrange(16**4):04X}",
                "custom_id": f"Charger {number}" if rng.random() < 0.8 else None,
                "manufacturer": rng.choice(("epic_ocpp", "generic_ocpp")),
                "model": rng.choice(("epic_home", "epic_pro", "epic_fleet")),
                "current_type": "DC" if dc else "AC",
                "payment_type": rng.choice(("PAID", "PAID", "FREE")),
                "number_phases": 3 if dc else rng.choice((1, 3)),
                "id_tag_required": rng.random() < 0.3,
                "rfid_required": rng.random() < 0.2,
                "connectivity": rng.choice(("WIFI", "ETHERNET", "CELLULAR")),
                "location": location_id,
                "ports": ports,
            }
            record = self.create_charger(
                row, status=rng.choice(CHARGER_STATUSES), random_ports=True
            )
            added.append(record["id"])
        return added

    def create_charger(
        self, row: Record, *, status: str = "AVAILABLE", random_ports: bool = False
    ) -> Record:
        """Store a charger from a (validated) ChargerCreate row."""
        rng = self.rng
        charger_id = self.new_id()
        location = self.locations.get(row.get("location") or "")
        created = self._past(365) if random_ports else datetime.now(UTC)
        record: Record = {
            "id": charger_id,
            "charger_point_id": row["charger_point_id"],
            "custom_id": row.get("custom_id"),
            "status": status,
            "location_id": location["id"] if location else None,
            "location_name": location["company_name"] if location else None,
            "temperature": round(rng.uniform(5, 45), 1),
            "payment_type": row.get("payment_type") or "PAID",
            "id_tag_required": bool(row.get("id_tag_required", False)),
            "customer_qr_code": f"https://pay.example.com/q/{charger_id[:8]}",
            "charger_group": None,
            "manufacturer": row["manufacturer"],
            "model": row["model"],
            "rfid_required": row.get("rfid_required"),
            "number_phases": row.get("number_phases") or 3,
            "current_type": row.get("current_type") or "AC",
            "connectivity": row.get("connectivity"),
            "sim_card": row.get("sim_card"),
            "is_active": status != "DISABLED",
            "created_at": created,
            "port_ids": [],
        }
        self.chargers[charger_id] = record
        self.point_ids.add(record["charger_point_id"])
        for port_row in row["ports"]:
            port_id = self.new_id()
            busy = rng.choice(PORT_STATUSES) if random_ports else "AVAILABLE"
            charging = busy == "CHARGING"
            max_power = port_row.get("max_power")
            if max_power is None:  # AC: kW from amps at 230 V per phase
                phases = record["number_phases"]
                max_power = round(float(port_row["max_current"]) * 230 * phases / 1000, 1)
            self.ports[port_id] = {
                "id": port_id,
                "charger": charger_id,
                "connector_id": port_row["connector_id"],
                "connector_type": port_row["connector_type"],
                "status": busy,
                "max_power": float(max_power),
                "power": float(port_row.get("power") or max_power),
                "max_current": _amps(port_row.get("max_current")),
                "current": _amps(port_row.get("current")),
                "charging_speed": float(port_row.get("power") or max_power),
                "current_kilowatt_hour": round(rng.uniform(0.5, 60), 2) if charging else None,
                "start_charging_at": self._past(1) if charging else None,
                "end_charging_at": None,
                "parking_lot": f"P{rng.randrange(1, 200)}" if rng.random() < 0.5 else None,
                "custom_id": None,
                "created_at": created,
                "reserved_for": None,
            }
            record["port_ids"].append(port_id)
        self.changed(charger_id)
        return record

    def delete_charger(self, charger_id: str) -> None:
        record = self.chargers.pop(charger_id)
        self.point_ids.discard(record["charger_point_id"])
        for port_id in record["port_ids"]:
            self.ports.pop(port_id, None)
        self.changed(charger_id)

    def changed(self, charger_id: str | None = None) -> None:
        """Invalidate cached renderings after a change (of one charger, or of anything)."""
        self.version += 1
        self._order = None
        if charger_id is not None:
            self._list_json.pop(charger_id, None)

    def list_chargers(self, accept: Callable[[Record], bool] | None = None) -> list[Record]:
        """Chargers in listing order (insertion order), optionally filtered."""
        records = self.chargers.values()
        return [r for r in records if accept is None or accept(r)]

    def charger_order(self) -> list[str]:
        if self._order is None:
            self._order = list(self.chargers)
        return self._order

    def charger_list_json(self, charger_id: str) -> bytes:
        cached = self._list_json.get(charger_id)
        if cached is None:
            cached = orjson.dumps(self.render_charger_list_item(self.chargers[charger_id]))
            self._list_json[charger_id] = cached
        return cached

    def render_charger_list_item(self, record: Record) -> Record:
        ports = [self.ports[p] for p in record["port_ids"]]
        return {
            "id": record["id"],
            "custom_id": record["custom_id"],
            "charger_point_id": record["charger_point_id"],
            "status": _status(record["status"]),
            "location_name": record["location_name"],
            "temperature": record["temperature"],
            "payment_type": record["payment_type"].title(),  # "Paid" here, "PAID" in details
            "id_tag_required": record["id_tag_required"],
            "customer_qr_code": record["customer_qr_code"],
            "ports": [
                {
                    "id": p["id"],
                    "connector_id": p["connector_id"],
                    "status": _status(p["status"]),
                    "max_power": p["max_power"],
                    "charge_current_kilowatt_hour": p["current_kilowatt_hour"],
                    "charging_start_at": _iso(p["start_charging_at"]),
                }
                for p in ports
            ],
            "charger_group": record["charger_group"],
        }

    def render_charger_detail(self, record: Record) -> Record:
        return {
            "id": record["id"],
            "custom_id": record["custom_id"],
            "charger_point_id": record["charger_point_id"],
            "status": _status(record["status"]),
            "payment_type": record["payment_type"],
            "customer_qr_code": record["customer_qr_code"],
            "ports": [
                {
                    "id": p["id"],
                    "connector_id": p["connector_id"],
                    "max_power": p["max_power"],
                    "power": p["power"],
                    "max_current": p["max_current"],
                    "current": p["current"],
                    "charging_speed": p["charging_speed"],
                    "connector_type": _status(p["connector_type"]),
                    "charging_start_at": _iso(p["start_charging_at"]),
                }
                for p in (self.ports[i] for i in record["port_ids"])
            ],
            "manufacturer": record["manufacturer"],
            "model": record["model"],
            "location_id": record["location_id"],
            "rfid_required": record["rfid_required"],
            "number_phases": record["number_phases"],
        }

    def render_port(self, port: Record) -> Record:
        charger = self.chargers[port["charger"]]
        view = {k: v for k, v in port.items() if k != "reserved_for"}
        view.update(
            status=_status(port["status"]),
            connector_type=_status(port["connector_type"]),
            charger_point_id=charger["charger_point_id"],
            location_name=charger["location_name"],
            start_charging_at=_iso(port["start_charging_at"]),
            end_charging_at=_iso(port["end_charging_at"]),
            created_at=_iso(port["created_at"]),
        )
        return view

    # --- locations and users -----------------------------------------------------------------

    def _random_location(self) -> Record:
        rng = self.rng
        city, lat, lng = rng.choice(CITIES)
        lat, lng = round(lat + rng.uniform(-0.1, 0.1), 6), round(lng + rng.uniform(-0.1, 0.1), 6)
        n = len(self.locations) + 1
        address = f"{rng.randrange(1, 999)} Main St, {city}"
        return {
            "custom_id": f"SITE-{n:05d}",
            "formatted_address": address,
            "company_name": f"{city} Depot {n}",
            "contact_email": f"site{n}@example.com",
            "is_members_only": rng.random() < 0.1,
            "location": [lat, lng],
            "places_api_data": {
                "place_id": f"place-{n}",
                "formatted_address": address,
                "geometry": {"location": {"lat": lat, "lng": lng}},
                "address_components": [
                    {"long_name": city, "short_name": city[:3].upper(), "types": ["locality"]}
                ],
                "utc_offset": 60,
            },
        }

    def add_location(self, row: Record) -> Record:
        record: Record = {
            "id": self.new_id(),
            "custom_id": row["custom_id"],
            "formatted_address": row["formatted_address"],
            "company_name": row.get("company_name"),
            "website": row.get("website"),
            "contact_name": row.get("contact_name"),
            "contact_phone": row.get("contact_phone"),
            "contact_email": row.get("contact_email"),
            "is_members_only": bool(row.get("is_members_only", False)),
            "location": row.get("location"),
            "places_api_data": row.get("places_api_data"),
            "created_at": datetime.now(UTC).isoformat(),
        }
        self.locations[record["id"]] = record
        self.location_ids.add(record["custom_id"])
        self.changed()
        return record

    def _random_user(self) -> Record:
        rng = self.rng
        n = len(self.users) + 1
        return {
            "email": f"driver{n}@example.com",
            "role": rng.choice(("driver", "driver", "driver", "admin", "partner")),
            "first_name": rng.choice(("Ada", "Lin", "Sam", "Noor", "Kai")),
            "last_name": rng.choice(("Berg", "Ito", "Diaz", "Okafor", "Novak")),
            "status": rng.choice(("act", "act", "inv")),
            "driver": {"driver_license": f"DL{n:07d}", "is_allow_id_tag_activation": True},
            "id_tags": [f"TAG{n:06d}"],
        }

    def add_user(self, row: Record) -> Record:
        location = self.locations.get(row.get("location") or "")
        record: Record = {
            "uuid": self.new_id(),
            "email": row["email"],
            "first_name": row.get("first_name"),
            "last_name": row.get("last_name"),
            "phone_number": row.get("phone_number"),
            "role": row["role"],
            "status": row.get("status") or "add",
            "avatar": None,
            "is_two_factor_authentication": False,
            "can_manage_payout_access": row["role"] in ("tenant_owner", "admin"),
            "has_payout_access": bool(row.get("has_payout_access", False)),
            "location": location["id"] if location else None,
            "location_name": row.get("location_name")
            or (location["company_name"] if location else None),
            "mailing_address": row.get("mailing_address"),
            "driver": row.get("driver"),
            "id_tags": list(row.get("id_tags") or []),
            "chargers": list(row.get("chargers") or []),
            "notification_settings": row.get("notification_settings"),
            "created_at": datetime.now(UTC).isoformat(),
        }
        self.users[record["uuid"]] = record
        self.emails.add(record["email"].lower())
        self.changed()
        return record

    # --- history: sessions, transactions, faults ---------------------------------------------

    def _add_random_session(self) -> None:
        rng = self.rng
        port = self.ports[rng.choice(self._port_ids())]
        charger = self.chargers[port["charger"]]
        user = self.users[rng.choice(self._user_ids())] if self.users else None
        started = self._past()
        status = rng.choice(("COMPLETED",) * 8 + ("IN_PROGRESS", "FAILED"))
        seconds = rng.randrange(600, 4 * 3600) if status != "FAILED" else 0
        energy = round(port["max_power"] * seconds / 3600 * rng.uniform(0.3, 0.9), 3)
        cost = round(energy * 0.35, 2) if charger["payment_type"] == "PAID" else 0.0
        session = {
            "id": self.new_id(),
            "charger_id": charger["id"],
            "charger_point_id": charger["charger_point_id"],
            "port_id": port["id"],
            "connector_id": port["connector_id"],
            "location_id": charger["location_id"],
            "location_name": charger["location_name"],
            "user_uuid": user["uuid"] if user else None,
            "id_tag": user["id_tags"][0] if user and user["id_tags"] else None,
            "started_at": started.isoformat(),
            "ended_at": None
            if status == "IN_PROGRESS"
            else (started + timedelta(seconds=seconds)).isoformat(),
            "energy_kwh": energy,
            "duration_seconds": seconds,
            "cost": cost,
            "currency": "USD",
            "status": status,
        }
        self.sessions[session["id"]] = session
        if status == "COMPLETED":
            transaction = {
                "id": self.new_id(),
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
            self.transactions[transaction["id"]] = transaction

    def _add_random_fault(self) -> None:
        rng = self.rng
        port = self.ports[rng.choice(self._port_ids())]
        charger = self.chargers[port["charger"]]
        occurred = self._past()
        fault = {
            "id": self.new_id(),
            "charger_id": charger["id"],
            "charger_point_id": charger["charger_point_id"],
            "location_id": charger["location_id"],
            "port_id": port["id"],
            "error_code": rng.choice(
                (
                    "GroundFailure",
                    "OverTemperature",
                    "PowerMeterFailure",
                    "ConnectorLockFailure",
                    "EVCommunicationError",
                )
            ),
            "vendor_error_code": f"E{rng.randrange(100, 999)}" if rng.random() < 0.5 else None,
            "info": None,
            "severity": rng.choice(("INFO", "WARNING", "WARNING", "CRITICAL")),
            "occurred_at": occurred.isoformat(),
            "resolved_at": (occurred + timedelta(minutes=rng.randrange(1, 600))).isoformat()
            if rng.random() < 0.7
            else None,
        }
        self.faults[fault["id"]] = fault

    def _port_ids(self) -> list[str]:
        return list(self.ports)

    def _user_ids(self) -> list[str]:
        return list(self.users)

    # --- report rows -------------------------------------------------------------------------

    def charger_status_rows(self, chargers: Iterable[Record]) -> list[Record]:
        return [
            {
                "charger_id": c["id"],
                "charger_point_id": c["charger_point_id"],
                "location_id": c["location_id"],
                "location_name": c["location_name"],
                "status": _status(c["status"]),
                "ports": [
                    {
                        "id": p["id"],
                        "connector_id": p["connector_id"],
                        "status": _status(p["status"]),
                    }
                    for p in (self.ports[i] for i in c["port_ids"])
                ],
                "last_heartbeat_at": (self.now - timedelta(seconds=len(c["id"]) * 7)).isoformat(),
            }
            for c in chargers
        ]

    def charger_report_rows(
        self, chargers: Iterable[Record], sessions: Iterable[Record]
    ) -> list[Record]:
        totals: dict[str, list[float]] = {}
        for s in sessions:
            entry = totals.setdefault(s["charger_id"], [0, 0.0, 0.0])
            entry[0] += 1
            entry[1] += s["energy_kwh"]
            entry[2] += s["cost"]
        faults: dict[str, int] = {}
        for f in self.faults.values():
            faults[f["charger_id"]] = faults.get(f["charger_id"], 0) + 1
        rows = []
        for c in chargers:
            count, energy, revenue = totals.get(c["id"], [0, 0.0, 0.0])
            rows.append(
                {
                    "charger_id": c["id"],
                    "charger_point_id": c["charger_point_id"],
                    "location_name": c["location_name"],
                    "sessions_count": int(count),
                    "energy_kwh": round(energy, 3),
                    "uptime_percent": 0.0 if c["status"] in ("OFFLINE", "FAULTED") else 99.5,
                    "faults_count": faults.get(c["id"], 0),
                    "revenue": round(revenue, 2),
                    "currency": "USD",
                }
            )
        return rows


def _amps(value: Any) -> str | None:
    """Currents are strings on the wire (DOC): ``"32"``, ``"32.5"``."""
    if value is None:
        return None
    number = float(value)
    return str(int(number)) if number.is_integer() else str(number)
