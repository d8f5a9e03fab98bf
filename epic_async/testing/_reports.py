"""The simulator's report endpoints (``report/...``, INFERRED shapes in docs/wire-shapes.md).

Every report is a paginated list, filtered by ``start_date``/``end_date`` (inclusive days on the
row's main timestamp), ``charger`` and ``location__in``. Rows are built from the store on demand.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from aiohttp import web

from ._app import SIM, csv_param, date_param, page, shaped
from ._drift import Endpoint
from ._store import Record, Store, key_value

__all__ = ["add_report_routes", "charger_report_rows", "charger_status_rows", "history_row"]


def charger_status_rows(store: Store, chargers: Iterable[Record]) -> list[Record]:
    return [
        {
            "charger_id": c["id"],
            "charger_point_id": c["charger_point_id"],
            "location_id": c["location_id"],
            "location_name": c["location_name"],
            "status": key_value(c["status"]),
            "ports": [
                {
                    "id": p["id"],
                    "connector_id": p["connector_id"],
                    "status": key_value(p["status"]),
                }
                for p in (store.ports[i] for i in c["port_ids"])
            ],
            "last_heartbeat_at": None if c["status"] == "OFFLINE" else store.now.isoformat(),
        }
        for c in chargers
    ]


def charger_report_rows(
    store: Store, chargers: Iterable[Record], sessions: Iterable[Record]
) -> list[Record]:
    totals: dict[str, list[float]] = {}
    for s in sessions:
        entry = totals.setdefault(s["charger_id"], [0, 0.0, 0.0])
        entry[0] += 1
        entry[1] += s["energy_kwh"]
        entry[2] += s["cost"]
    faults: dict[str, int] = {}
    for f in store.faults.values():
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


def history_row(row: Record) -> Record:
    """A session, fault or transaction as its report shows it (without the filter's location)."""
    return {k: v for k, v in row.items() if k != "location_id"}


def _report_filter(request: web.Request, stamp: str | None) -> Callable[[Record], bool]:
    start, end = date_param(request, "start_date"), date_param(request, "end_date")
    charger, locations = request.query.get("charger"), csv_param(request, "location__in")

    def accept(row: Record) -> bool:
        day = (row.get(stamp) or "")[:10] if stamp else ""
        return (
            (charger is None or row.get("charger_id", row.get("id")) == charger)
            and (locations is None or row.get("location_id") in locations)
            and (start is None or not stamp or (bool(day) and day >= start))
            and (end is None or not stamp or (bool(day) and day <= end))
        )

    return accept


def _report(table: str, stamp: str | None) -> Callable[[web.Request], Any]:
    async def view(request: web.Request) -> web.Response:
        store = request.app[SIM].store
        accept = _report_filter(request, stamp)
        if table == "charger-status":
            chargers = [
                c
                for c in store.chargers.values()
                if accept({"charger_id": c["id"], "location_id": c["location_id"]})
            ]
            # Rendered per page only: the slice is rendered, not the fleet.
            render = shaped(
                request, "report/charger-status", lambda c: charger_status_rows(store, [c])[0]
            )
            return page(request, chargers, render)
        if table == "charger":
            chargers = [
                c
                for c in store.chargers.values()
                if accept({"charger_id": c["id"], "location_id": c["location_id"]})
            ]
            dated = _report_filter(request, "started_at")
            sessions = [
                s for s in store.sessions.values() if dated({"started_at": s["started_at"]})
            ]
            rows = charger_report_rows(store, chargers, sessions)
            return page(request, rows, shaped(request, "report/charger", _as_is))
        rows = [r for r in getattr(store, table).values() if accept(r)]
        return page(request, rows, shaped(request, _ENDPOINTS[table], history_row))

    return view


_ENDPOINTS: dict[str, Endpoint] = {
    "sessions": "report/charging-session",
    "faults": "report/fault",
    "transactions": "report/transaction",
}


def _as_is(row: Record) -> Record:
    return row


def add_report_routes(app: web.Application, prefix: str) -> None:
    app.router.add_get(prefix + "report/charger-status/", _report("charger-status", None))
    app.router.add_get(prefix + "report/charger/", _report("charger", None))
    app.router.add_get(prefix + "report/charging-session/", _report("sessions", "started_at"))
    app.router.add_get(prefix + "report/fault/", _report("faults", "occurred_at"))
    app.router.add_get(prefix + "report/transaction/", _report("transactions", "created_at"))
