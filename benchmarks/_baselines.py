"""Baselines run side by side with the SDK: what the floor is, and what a user would write instead.

- **raw-floor**: aiohttp + ``orjson.loads`` + hand-written attrs constructors, same fan-out as the
  SDK: the physical floor for Python on this box.
- **naive**: aiohttp following ``next`` one page at a time, ``resp.json()``, plain dicts.
- **httpx + pydantic**: ``httpx.AsyncClient`` with the same fan-out, pydantic v2 models.
- **sequential bulk**: one POST of ``max_batch`` rows at a time.

Only the benchmarks use httpx and pydantic; they are never runtime dependencies of the SDK.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterable
from datetime import datetime
from typing import Any, TypeVar

import aiohttp
import attrs
import httpx
import orjson
import pydantic

from epic_async.models import ChargerStatus, PaymentType, PortStatus

__all__ = [
    "HandCharger",
    "PydCharger",
    "hand_structure",
    "list_httpx_pydantic",
    "list_naive",
    "list_raw_floor",
    "pyd_structure",
    "sequential_create",
]

T = TypeVar("T")

# --- hand-written attrs models: the same fields and conversions as epic_async.models.Charger ---

_CHARGER_STATUS: dict[str, ChargerStatus] = {m.value: m for m in ChargerStatus}
_PORT_STATUS: dict[str, PortStatus] = {m.value: m for m in PortStatus}
_PAYMENT: dict[str, PaymentType] = {
    **{m.value: m for m in PaymentType},
    **{m.value.title(): m for m in PaymentType},
}


@attrs.frozen(slots=True)
class HandStatus:
    key: ChargerStatus | PortStatus | str
    value: str


@attrs.frozen(slots=True)
class HandPort:
    id: str
    connector_id: int | None
    status: HandStatus
    max_power: float | None
    charge_current_kilowatt_hour: float | None
    charging_start_at: datetime | None


@attrs.frozen(slots=True)
class HandCharger:
    id: str
    charger_point_id: str
    custom_id: str | None
    status: HandStatus
    location_name: str | None
    temperature: float | None
    payment_type: PaymentType | str | None
    id_tag_required: bool | None
    customer_qr_code: str | None
    ports: list[HandPort]
    charger_group: str | None


def _opt_float(value: Any) -> float | None:
    return None if value is None else float(value)


def _opt_dt(value: Any) -> datetime | None:
    return None if value is None else datetime.fromisoformat(value)


def _hand_port(d: dict[str, Any]) -> HandPort:
    st = d["status"]
    return HandPort(
        d["id"],
        d.get("connector_id"),
        HandStatus(_PORT_STATUS.get(st["key"], st["key"]), st.get("value", "")),
        _opt_float(d.get("max_power")),
        _opt_float(d.get("charge_current_kilowatt_hour")),
        _opt_dt(d.get("charging_start_at")),
    )


def hand_structure(d: dict[str, Any]) -> HandCharger:
    """One charger list item into hand-written attrs objects (enums, floats, datetimes)."""
    st = d["status"]
    pay = d.get("payment_type")
    return HandCharger(
        d["id"],
        d["charger_point_id"],
        d.get("custom_id"),
        HandStatus(_CHARGER_STATUS.get(st["key"], st["key"]), st.get("value", "")),
        d.get("location_name"),
        _opt_float(d.get("temperature")),
        None if pay is None else _PAYMENT.get(pay, pay),
        d.get("id_tag_required"),
        d.get("customer_qr_code"),
        [_hand_port(p) for p in d.get("ports") or ()],
        d.get("charger_group"),
    )


# --- pydantic models ---------------------------------------------------------------------------


class PydStatus(pydantic.BaseModel):
    key: str
    value: str = ""


class PydPort(pydantic.BaseModel):
    id: str
    connector_id: int | None = None
    status: PydStatus
    max_power: float | None = None
    charge_current_kilowatt_hour: float | None = None
    charging_start_at: datetime | None = None


class PydCharger(pydantic.BaseModel):
    model_config = pydantic.ConfigDict(frozen=True)

    id: str
    charger_point_id: str
    custom_id: str | None = None
    status: PydStatus
    location_name: str | None = None
    temperature: float | None = None
    payment_type: str | None = None
    id_tag_required: bool | None = None
    customer_qr_code: str | None = None
    ports: list[PydPort] = []
    charger_group: str | None = None


class PydPage(pydantic.BaseModel):
    count: int
    next: str | None = None
    previous: str | None = None
    results: list[PydCharger]


def pyd_structure(d: dict[str, Any]) -> PydCharger:
    return PydCharger.model_validate(d)


# --- listing baselines -----------------------------------------------------------------------


async def _fan_out(
    first_count: int, page_size: int, concurrency: int, fetch: Callable[[int], Awaitable[list[T]]]
) -> list[list[T]]:
    """Fetch every offset after the first page, ``concurrency`` at a time, results in order."""
    sem = asyncio.Semaphore(concurrency)

    async def one(offset: int) -> list[T]:
        async with sem:
            return await fetch(offset)

    offsets = range(page_size, first_count, page_size)
    return await asyncio.gather(*(one(o) for o in offsets))


async def list_raw_floor(
    base_url: str,
    api_key: str,
    total: int,
    *,
    page_size: int = 100,
    concurrency: int = 10,
    parse: bool = True,
) -> list[HandCharger]:
    """aiohttp + orjson + hand-written attrs, first page then ``concurrency`` pages in flight.

    ``parse=False`` only reads the bodies (and decodes the first): the server check."""
    url = base_url + "charger/"
    headers = {"Token-Authorization": api_key}
    connector = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(connector=connector, headers=headers) as session:

        async def page(offset: int) -> tuple[int, list[HandCharger]]:
            params = {"limit": str(page_size), "offset": str(offset)}
            async with session.get(url, params=params) as resp:
                resp.raise_for_status()
                body = await resp.read()
            if not parse and offset:
                return 0, []
            data = orjson.loads(body)
            return data["count"], [hand_structure(d) for d in data["results"]]

        async def rest(offset: int) -> list[HandCharger]:
            return (await page(offset))[1]

        count, first = await page(0)
        count = min(count, total)
        pages = await _fan_out(count, page_size, concurrency, rest)
    out = first
    for items in pages:
        out.extend(items)
    return out[:total]


async def list_naive(base_url: str, api_key: str, total: int, *, page_size: int = 100) -> int:
    """Follow ``next`` one page at a time with ``resp.json()``: what a user writes by hand."""
    headers = {"Token-Authorization": api_key}
    items: list[dict[str, Any]] = []
    url: str | None = f"{base_url}charger/?limit={page_size}"
    async with aiohttp.ClientSession(headers=headers) as session:
        while url and len(items) < total:
            async with session.get(url) as resp:
                resp.raise_for_status()
                data = await resp.json()
            items.extend(data["results"])
            url = data["next"]
    return len(items[:total])


async def list_httpx_pydantic(
    base_url: str, api_key: str, total: int, *, page_size: int = 100, concurrency: int = 10
) -> list[PydCharger]:
    """httpx + pydantic with the same fan-out as the SDK."""
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    headers = {"Token-Authorization": api_key}
    async with httpx.AsyncClient(base_url=base_url, headers=headers, limits=limits) as client:

        async def page(offset: int) -> PydPage:
            resp = await client.get("charger/", params={"limit": page_size, "offset": offset})
            resp.raise_for_status()
            return PydPage.model_validate_json(resp.content)

        async def rest(offset: int) -> list[PydCharger]:
            return (await page(offset)).results

        first = await page(0)
        count = min(first.count, total)
        pages = await _fan_out(count, page_size, concurrency, rest)
    out = list(first.results)
    for items in pages:
        out.extend(items)
    return out[:total]


# --- bulk baseline -------------------------------------------------------------------------------


async def sequential_create(
    base_url: str, api_key: str, rows: Iterable[dict[str, Any]], *, batch_size: int = 100
) -> int:
    """POST ``batch_size`` rows at a time, one batch after the other; returns rows created."""
    headers = {"Token-Authorization": api_key, "Content-Type": "application/json"}
    url = base_url + "chargers"
    created = 0
    batch: list[dict[str, Any]] = []
    async with aiohttp.ClientSession(headers=headers) as session:

        async def send(items: list[dict[str, Any]]) -> int:
            async with session.post(url, data=orjson.dumps({"chargers": items})) as resp:
                body = orjson.loads(await resp.read())
                if resp.status != 201:
                    raise RuntimeError(f"batch failed: {resp.status} {str(body)[:200]}")
                return len(body["chargers"])

        for row in rows:
            batch.append(row)
            if len(batch) == batch_size:
                created += await send(batch)
                batch = []
        if batch:
            created += await send(batch)
    return created
