"""The simulator's views: what each path of the API contract (docs/api-contract.md) answers, DRF-style."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import orjson
from aiohttp import web

from ._app import (
    PREFIX,
    SIM,
    SimState,
    choice,
    csv_param,
    date_param,
    invalid,
    json_response,
    page,
    page_bytes,
    shaped,
    window,
)
from ._bulk_view import bulk_create
from ._reports import add_report_routes
from ._rules import (
    CHARGER_STATUSES,
    PORT_ORDERING,
    PORT_STATUSES,
    check_charger,
    check_location,
    check_user,
    invalid_choice_query,
)
from ._store import Record

__all__ = ["add_routes"]

PATCHABLE = (
    "charging_speed",
    "max_power",
    "power",
    "max_current",
    "current",
    "custom_id",
    "parking_lot",
)


def _sim(request: web.Request) -> SimState:
    return request.app[SIM]


def _one(table: dict[str, Record], request: web.Request) -> Record:
    record = table.get(request.match_info["id"])
    if record is None:
        raise web.HTTPNotFound()
    return record


# --- chargers -----------------------------------------------------------------------------------


async def list_chargers(request: web.Request) -> web.Response:
    sim = _sim(request)
    store, query = sim.store, request.query
    status = choice(request, "status", CHARGER_STATUSES)
    current_type = choice(request, "current_type", ("AC", "DC", "NACS"))
    phases = choice(request, "number_phases", ("1", "3"))
    active = choice(request, "is_active", ("true", "false", "True", "False"))
    created = date_param(request, "created_at")
    location = query.get("location")
    limit, offset = window(request, sim.knobs)
    if not any((status, current_type, phases, active, created, location)):
        # The benchmarks' hot path: no filtering, cached bytes per item (and per page).
        count = len(store.chargers)
        items = store.charger_page_items(offset, limit)
    else:
        filters: dict[str, Any] = {}
        for name, value in (("status", status), ("current_type", current_type)):
            if value is not None:
                filters[name] = value
        if phases is not None:
            filters["number_phases"] = int(phases)
        if active is not None:
            filters["is_active"] = active.lower() == "true"
        if location is not None:
            filters["location_id"] = location
        if created is not None:
            filters["created_at"] = created
        ids = [r["id"] for r in store.list_chargers(**filters)]
        count = len(ids)
        items = b",".join(map(store.charger_list_json, ids[offset : offset + limit]))
    body = page_bytes(request, count, limit, offset, items)
    return web.Response(body=body, content_type="application/json")


async def get_charger(request: web.Request) -> web.Response:
    store = _sim(request).store
    render = shaped(request, "charger-detail", store.render_charger_detail)
    return json_response(render(_one(store.chargers, request)))


async def create_chargers(request: web.Request) -> web.Response:
    sim = _sim(request)
    store, shaper = sim.store, sim.shaper
    render = store.render_charger_detail
    if shaper is not None:  # the variant's status shape; records drift on reads only

        def render(record: Record) -> Any:
            return shaper.shape("charger-detail", store.render_charger_detail(record))

    taken = store.point_ids
    return await bulk_create(
        request,
        "chargers",
        check_charger,
        lambda i: i["charger_point_id"],
        taken,
        store.create_charger,
        render,
        201,
    )


# --- charger ports --------------------------------------------------------------------------


async def list_ports(request: web.Request) -> web.Response:
    store, query = _sim(request).store, request.query
    charger = query.get("charger")
    payment = choice(request, "charger__payment_type", ("Paid", "Free"))
    statuses = csv_param(request, "status__in")
    if statuses and not statuses <= PORT_STATUSES:
        bad = sorted(statuses - PORT_STATUSES)[0]
        raise invalid(invalid_choice_query("status__in", bad))
    locations = csv_param(request, "location__in")
    search = (query.get("search") or "").lower()
    ordering = query.get("ordering")
    if ordering and ordering.lstrip("-") not in PORT_ORDERING:
        raise invalid(invalid_choice_query("ordering", ordering))

    def accept(port: Record) -> bool:
        owner = store.chargers[port["charger"]]
        return (
            (charger is None or port["charger"] == charger)
            and (payment is None or owner["payment_type"] == payment.upper())
            and (statuses is None or port["status"] in statuses)
            and (locations is None or owner["location_id"] in locations)
            and (
                not search
                or search in owner["charger_point_id"].lower()
                or search in (owner["custom_id"] or "").lower()
                or search in (owner["location_name"] or "").lower()
            )
        )

    # Filter and sort the raw records; only the requested page is rendered (by `page`).
    rows = [p for p in store.ports.values() if accept(p)]
    if ordering:
        name = ordering.lstrip("-")

        def sort_key(port: Record) -> tuple[bool, Any]:
            owner_field = name in ("charger_point_id", "location_name")
            value = store.chargers[port["charger"]][name] if owner_field else port.get(name)
            return (value is None, value if value is not None else 0)

        rows.sort(key=sort_key, reverse=ordering.startswith("-"))
    return page(request, rows, shaped(request, "charger-port", store.render_port))


async def get_port(request: web.Request) -> web.Response:
    store = _sim(request).store
    return json_response(
        shaped(request, "charger-port", store.render_port)(_one(store.ports, request))
    )


async def update_port(request: web.Request) -> web.Response:
    store = _sim(request).store
    port = _one(store.ports, request)
    body = orjson.loads(await request.read() or b"{}")
    if not isinstance(body, dict):
        raise invalid({"non_field_errors": ["Invalid data. Expected a dictionary."]})
    errors = {
        k: ["A valid number is required."]
        for k in ("charging_speed", "max_power", "power")
        if k in body and body[k] is not None and not isinstance(body[k], int | float)
    }
    if errors:
        raise invalid(errors)
    for name in PATCHABLE:
        if name in body:
            value = body[name]
            port[name] = (
                str(value) if name in ("max_current", "current") and value is not None else value
            )
    store.changed(port["charger"])
    return json_response(shaped(request, "charger-port", store.render_port)(port))


def _port_action(action: str) -> Callable[[web.Request], Awaitable[web.Response]]:
    """One route per action, so counters name them: ``POST charger-port/{id}/start/``."""

    async def view(request: web.Request) -> web.Response:
        return await port_action(request, action)

    return view


async def port_action(request: web.Request, action: str) -> web.Response:
    """OCPP 1.6-like outcomes (INFERRED): Accepted, Rejected, Occupied, Faulted, Unavailable."""
    store = _sim(request).store
    port = _one(store.ports, request)
    try:
        body = orjson.loads(await request.read() or b"{}")
    except orjson.JSONDecodeError:
        raise invalid({"non_field_errors": ["JSON parse error."]}) from None
    if not isinstance(body, dict):
        body = {}
    tag = body.get("id_tag")
    state = port["status"]
    outcome = "Rejected"
    if action == "reserve":
        missing = {
            k: ["This field is required."] for k in ("id_tag", "expiry_date") if not body.get(k)
        }
        if missing:
            raise invalid(missing)
        if state == "AVAILABLE":
            outcome, port["status"], port["reserved_for"] = "Accepted", "RESERVED", tag
        elif state in ("CHARGING", "PREPARING", "RESERVED"):
            outcome = "Occupied"
        elif state == "FAULTED":
            outcome = "Faulted"
        else:
            outcome = "Unavailable"
    elif action == "cancel-reservation":
        if state == "RESERVED":
            outcome, port["status"], port["reserved_for"] = "Accepted", "AVAILABLE", None
    elif action == "start":
        if state in ("AVAILABLE", "PREPARING") or (
            state == "RESERVED" and port["reserved_for"] in (None, tag)
        ):
            outcome, port["status"], port["reserved_for"] = "Accepted", "CHARGING", None
        elif state == "FAULTED":
            outcome = "Faulted"
        elif state in ("OFFLINE", "UNAVAILABLE", "DISABLED"):
            outcome = "Unavailable"
    elif state in ("CHARGING", "SUSPENDED_EV", "SUSPENDED_EVSE"):  # stop
        outcome, port["status"] = "Accepted", "AVAILABLE"
    store.changed(port["charger"])
    return json_response({"status": outcome})


# --- locations, users -------------------------------------------------------------------------


def _as_is(record: Record) -> Record:
    return record


def _search(record: Record, text: str, *fields: str) -> bool:
    return any(text in str(record.get(f) or "").lower() for f in fields)


async def list_locations(request: web.Request) -> web.Response:
    store, query = _sim(request).store, request.query
    custom_id, search = query.get("custom_id"), (query.get("search") or "").lower()
    rows = [
        r
        for r in store.locations.values()
        if (custom_id is None or r["custom_id"] == custom_id)
        and (not search or _search(r, search, "custom_id", "formatted_address", "company_name"))
    ]
    return page(request, rows, shaped(request, "location", _as_is))


async def get_location(request: web.Request) -> web.Response:
    render = shaped(request, "location", _as_is)
    return json_response(render(_one(_sim(request).store.locations, request)))


async def create_locations(request: web.Request) -> web.Response:
    store = _sim(request).store
    taken = store.location_ids
    return await bulk_create(
        request,
        "locations",
        check_location,
        lambda i: i["custom_id"],
        taken,
        store.add_location,
        lambda r: r,
        201,
    )


async def list_users(request: web.Request) -> web.Response:
    store, query = _sim(request).store, request.query
    email = query.get("email")
    role = choice(request, "role", ("partner", "tenant_owner", "admin", "driver"))
    status = choice(request, "status", ("add", "inv", "act", "deact"))
    search = (query.get("search") or "").lower()
    rows = [
        r
        for r in store.users.values()
        if (email is None or r["email"].lower() == email.lower())
        and (role is None or r["role"] == role)
        and (status is None or r["status"] == status)
        and (not search or _search(r, search, "email", "first_name", "last_name"))
    ]
    return page(request, rows, shaped(request, "user", _as_is))


async def get_user(request: web.Request) -> web.Response:
    render = shaped(request, "user", _as_is)
    return json_response(render(_one(_sim(request).store.users, request)))


async def create_users(request: web.Request) -> web.Response:
    store = _sim(request).store
    taken = store.emails
    return await bulk_create(
        request,
        "users",
        check_user,
        lambda i: i["email"].lower(),
        taken,
        store.add_user,
        lambda r: r,
        200,
    )


# --- admin (not part of the API; used by run_in_process) ----------------------------------------


async def admin_counters(request: web.Request) -> web.Response:
    sim = _sim(request)
    with sim.lock:
        return json_response(sim.counters.as_dict())


async def admin_configure(request: web.Request) -> web.Response:
    _sim(request).configure(**orjson.loads(await request.read()))
    return json_response({"ok": True})


async def admin_reset(request: web.Request) -> web.Response:
    _sim(request).reset_counters()
    return json_response({"ok": True})


def add_routes(app: web.Application) -> None:
    p = PREFIX
    app.router.add_get(p + "charger/", list_chargers)
    app.router.add_get(p + "charger/{id}/", get_charger)
    app.router.add_post(p + "chargers", create_chargers)
    app.router.add_get(p + "charger-port/", list_ports)
    app.router.add_get(p + "charger-port/{id}/", get_port)
    app.router.add_patch(p + "charger-port/{id}/", update_port)
    add_report_routes(app, p)
    for action in ("reserve", "cancel-reservation", "start", "stop"):
        app.router.add_post(p + "charger-port/{id}/" + action + "/", _port_action(action))
    app.router.add_post(p + "locations", create_locations)
    app.router.add_get(p + "location/", list_locations)
    app.router.add_get(p + "location/{id}/", get_location)
    app.router.add_post(p + "users", create_users)
    app.router.add_get(p + "user/", list_users)
    app.router.add_get(p + "user/{id}/", get_user)
    app.router.add_get("/_sim/counters", admin_counters)
    app.router.add_post("/_sim/configure", admin_configure)
    app.router.add_post("/_sim/reset", admin_reset)
