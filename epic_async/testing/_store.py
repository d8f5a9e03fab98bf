"""The simulator's in-memory data and the JSON each view renders from it.

Records are plain dicts holding every field of every view (see ``docs/wire-shapes.md``); the
``render_*`` methods pick the fields of one view. ``GET charger/`` is the benchmarks' hot path, so
each charger's list item is serialised to bytes once and cached until that charger changes, and
(with ``prerender``) the joined ``results`` of a page are cached by ``(offset, limit)`` until
anything changes: a 100-item page then costs a dict lookup. Pure data: no aiohttp, nothing from
the SDK (the simulator must not share the client's bugs).
"""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import orjson

from . import _seed

__all__ = ["Record", "Store", "label"]

Record = dict[str, Any]

# AC power on the usual installations (230 V): 32 A single phase, 16 or 32 A three phase.
_AC_KW = {(1, 32): 7.4, (3, 16): 11.0, (3, 32): 22.0}


def label(key: str) -> str:
    """The human label the API pairs with an enum key: ``SUSPENDED_EV`` → ``Suspended Ev``."""
    return key.replace("_", " ").title()


def key_value(key: str) -> dict[str, str]:
    return {"key": key, "value": label(key)}


def _iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.isoformat()


def _amps(value: Any) -> str | None:
    """Currents are strings on the wire (DOC): ``"32"``, ``"32.5"``."""
    if value is None:
        return None
    number = float(value)
    return str(int(number)) if number.is_integer() else str(number)


class Store:
    """Every record the simulator serves, seeded deterministically from ``seed``.

    Tables are dicts in insertion order (the listing order): ``chargers``, ``ports``,
    ``locations``, ``users`` (keyed by ``uuid``), ``sessions``, ``faults``, ``transactions``.
    """

    def __init__(
        self,
        *,
        seed: int = 0,
        chargers: int = 200,
        locations: int | None = None,
        users: int | None = None,
        sessions: int | None = None,
        faults: int | None = None,
        prerender: bool = False,
    ) -> None:
        self.rng = random.Random(seed)
        self.now = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
        self.prerender = prerender
        self.chargers: dict[str, Record] = {}
        self.ports: dict[str, Record] = {}
        self.locations: dict[str, Record] = {}
        self.users: dict[str, Record] = {}
        self._sessions: dict[str, Record] = {}
        self._faults: dict[str, Record] = {}
        self._transactions: dict[str, Record] = {}
        # Unique keys of bulk creates, as sets so that a create checks each in O(1).
        self.point_ids: set[str] = set()
        self.location_ids: set[str] = set()
        self.emails: set[str] = set()
        self.version = 0  # bumped on every change
        self._list_json: dict[str, bytes] = {}
        self._order: list[str] | None = None
        self._pages: dict[tuple[int, int], bytes] = {}
        self._new_id = _seed.fast_ids(self.rng)
        # What a Variant does to a rendered record (``(endpoint, record) -> record``), applied
        # before a charger's list item is cached; None (the documented shapes) costs nothing.
        self.shaper: Callable[[Any, Record], Record] | None = None
        rng = self.rng
        _seed.seed_locations(self, rng, chargers // 10 + 1 if locations is None else locations)
        _seed.seed_users(self, rng, chargers // 2 if users is None else users)
        _seed.seed_chargers(self, rng, chargers)
        # History (sessions, transactions, faults) is generated on first use, from its own
        # generator: half the seeding cost, and listing benchmarks never read it.
        self._history: tuple[random.Random, int, int] | None = (
            random.Random(seed * 7919 + 1),
            chargers * 3 if sessions is None else sessions,
            chargers // 2 if faults is None else faults,
        )
        if prerender:
            for charger_id in self.chargers:
                self.charger_list_json(charger_id)

    def new_id(self) -> str:
        """A UUID4 string from the seeded generator (so ids repeat across runs with one seed)."""
        return self._new_id()

    def _seeded_history(self) -> None:
        if self._history is not None:
            rng, sessions, faults = self._history
            self._history = None
            _seed.seed_history(self, rng, sessions, faults)

    @property
    def sessions(self) -> dict[str, Record]:
        """Charging sessions (the ``report/charging-session/`` rows), generated on first use."""
        self._seeded_history()
        return self._sessions

    @property
    def transactions(self) -> dict[str, Record]:
        """One transaction per completed session, generated on first use."""
        self._seeded_history()
        return self._transactions

    @property
    def faults(self) -> dict[str, Record]:
        """Fault reports on random ports, generated on first use."""
        self._seeded_history()
        return self._faults

    # --- changes -----------------------------------------------------------------------------

    def changed(self, charger_id: str | None = None) -> None:
        """Invalidate cached renderings after a change (of one charger, or of anything)."""
        self.version += 1
        self._order = None
        self._pages.clear()
        if charger_id is not None:
            self._list_json.pop(charger_id, None)

    def set_shaper(self, shaper: Callable[[Any, Record], Record] | None) -> None:
        """Serve through ``shaper`` from now on: every cached rendering is dropped (and, with
        ``prerender``, rendered again through it)."""
        self.shaper = shaper
        self._list_json.clear()
        self.changed()
        if self.prerender:
            for charger_id in self.chargers:
                self.charger_list_json(charger_id)

    def add_random_chargers(self, count: int) -> list[str]:
        """Add ``count`` seeded random chargers (with ports); returns their ids."""
        return _seed.seed_chargers(self, self.rng, count)

    def create_charger(
        self,
        row: Record,
        *,
        status: str = "AVAILABLE",
        port_statuses: list[str] | None = None,
        created_at: datetime | None = None,
    ) -> Record:
        """Store a charger and its ports from a (validated) ChargerCreate row."""
        rng = self.rng
        charger_id = self.new_id()
        location = self.locations.get(row.get("location") or "")
        created = created_at or datetime.now(UTC)
        phases = row.get("number_phases") or 3
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
            "number_phases": phases,
            "current_type": row.get("current_type") or "AC",
            "connectivity": row.get("connectivity"),
            "sim_card": row.get("sim_card"),
            "is_active": status != "DISABLED",
            "created_at": created,
            "port_ids": [],
        }
        self.chargers[charger_id] = record
        self.point_ids.add(record["charger_point_id"])
        for n, port_row in enumerate(row["ports"]):
            port_id = self.new_id()
            port_status = port_statuses[n] if port_statuses else "AVAILABLE"
            charging = port_status == "CHARGING"
            max_power = port_row.get("max_power")
            if max_power is None:  # AC: kW from amps at 230 V per phase
                amps = float(port_row["max_current"])
                max_power = _AC_KW.get((phases, int(amps)), round(amps * 230 * phases / 1000, 1))
            speed = float(port_row.get("power") or max_power)
            self.ports[port_id] = {
                "id": port_id,
                "charger": charger_id,
                "connector_id": port_row["connector_id"],
                "connector_type": port_row["connector_type"],
                "status": port_status,
                "max_power": float(max_power),
                "power": speed,
                "max_current": _amps(port_row.get("max_current")),
                "current": _amps(port_row.get("current")),
                "charging_speed": speed,
                "current_kilowatt_hour": round(rng.uniform(0.5, 60), 2) if charging else None,
                "start_charging_at": self.now if charging else None,
                "end_charging_at": None,
                "parking_lot": f"P{rng.randrange(1, 200)}" if rng.random() < 0.5 else None,
                "custom_id": None,
                "created_at": created,
                "reserved_for": None,  # the id tag a RESERVED port waits for
            }
            record["port_ids"].append(port_id)
        self.changed(charger_id)
        return record

    def delete_charger(self, charger_id: str) -> None:
        """Remove a charger and its ports (tests use it to shift offsets under a pager)."""
        record = self.chargers.pop(charger_id)
        self.point_ids.discard(record["charger_point_id"])
        for port_id in record["port_ids"]:
            self.ports.pop(port_id, None)
        self.changed(charger_id)

    def add_location(self, row: Record) -> Record:
        """Store a location from a (validated) LocationCreate row."""
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

    def add_user(self, row: Record) -> Record:
        """Store a user from a (validated) UserCreate row."""
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

    # --- queries -----------------------------------------------------------------------------

    def list_chargers(
        self, accept: Callable[[Record], bool] | None = None, **filters: Any
    ) -> list[Record]:
        """Chargers in listing order, optionally filtered by a predicate and/or by field values.

        Filters compare stored fields (``status="AVAILABLE"``, ``current_type="DC"``,
        ``number_phases=3``, ``is_active=True``, ``location_id=...``); ``location`` is an alias
        of ``location_id`` and ``created_at`` takes a ``YYYY-MM-DD`` day, as the API's filters do.
        """
        if "location" in filters:
            filters["location_id"] = filters.pop("location")
        day = filters.pop("created_at", None)
        return [
            r
            for r in self.chargers.values()
            if (accept is None or accept(r))
            and all(r.get(k) == v for k, v in filters.items())
            and (day is None or r["created_at"].date().isoformat() == str(day))
        ]

    def charger_order(self) -> list[str]:
        """Every charger id in listing order (cached until a change)."""
        if self._order is None:
            self._order = list(self.chargers)
        return self._order

    def charger_list_json(self, charger_id: str) -> bytes:
        """One charger's list item as JSON bytes, rendered once per change of that charger."""
        cached = self._list_json.get(charger_id)
        if cached is None:
            item = self.render_charger_list_item(self.chargers[charger_id])
            if self.shaper is not None:
                item = self.shaper("charger-list", item)
            cached = orjson.dumps(item)
            self._list_json[charger_id] = cached
        return cached

    def charger_page_items(self, offset: int, limit: int) -> bytes:
        """The comma-joined list items of one unfiltered page (cached with ``prerender``)."""
        cached = self._pages.get((offset, limit)) if self.prerender else None
        if cached is None:
            ids = self.charger_order()[offset : offset + limit]
            cached = b",".join(map(self.charger_list_json, ids))
            if self.prerender:
                self._pages[(offset, limit)] = cached
        return cached

    # --- renderings (docs/wire-shapes.md) ----------------------------------------------------

    def render_charger_list_item(self, record: Record) -> Record:
        return {
            "id": record["id"],
            "custom_id": record["custom_id"],
            "charger_point_id": record["charger_point_id"],
            "status": key_value(record["status"]),
            "location_name": record["location_name"],
            "temperature": record["temperature"],
            "payment_type": record["payment_type"].title(),  # "Paid" here, "PAID" in details
            "id_tag_required": record["id_tag_required"],
            "customer_qr_code": record["customer_qr_code"],
            "ports": [
                {
                    "id": p["id"],
                    "connector_id": p["connector_id"],
                    "status": key_value(p["status"]),
                    "max_power": p["max_power"],
                    "charge_current_kilowatt_hour": p["current_kilowatt_hour"],
                    "charging_start_at": _iso(p["start_charging_at"]),
                }
                for p in (self.ports[i] for i in record["port_ids"])
            ],
            "charger_group": record["charger_group"],
        }

    def render_charger_detail(self, record: Record) -> Record:
        return {
            "id": record["id"],
            "custom_id": record["custom_id"],
            "charger_point_id": record["charger_point_id"],
            "status": key_value(record["status"]),
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
                    "connector_type": key_value(p["connector_type"]),
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
            status=key_value(port["status"]),
            connector_type=key_value(port["connector_type"]),
            charger_point_id=charger["charger_point_id"],
            location_name=charger["location_name"],
            start_charging_at=_iso(port["start_charging_at"]),
            end_charging_at=_iso(port["end_charging_at"]),
            created_at=_iso(port["created_at"]),
        )
        return view
