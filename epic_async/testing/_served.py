"""One record as each read endpoint renders it: the canonical (documented) JSON, from the store.

What the views serve is this, through the variant's ``Shaper`` (statuses, then drift); tests
compare the two through ``FakeEpicServer.canonical`` / ``served`` / ``drift_note``.
"""

from __future__ import annotations

from ._drift import Endpoint
from ._reports import charger_report_rows, charger_status_rows, history_row
from ._store import Record, Store

__all__ = ["canonical"]


def canonical(store: Store, endpoint: Endpoint, record_id: str) -> Record:
    """The documented JSON of the record ``record_id`` on ``endpoint`` (a fresh dict).

    Report rows of the charger report total every session of the charger (no date filter).
    Raises ``KeyError`` for an id the endpoint does not serve.
    """
    if endpoint == "charger-list":
        return store.render_charger_list_item(store.chargers[record_id])
    if endpoint == "charger-detail":
        return store.render_charger_detail(store.chargers[record_id])
    if endpoint == "charger-port":
        return store.render_port(store.ports[record_id])
    if endpoint == "location":
        return dict(store.locations[record_id])
    if endpoint == "user":
        return dict(store.users[record_id])
    if endpoint == "report/charger-status":
        return charger_status_rows(store, [store.chargers[record_id]])[0]
    if endpoint == "report/charger":
        charger = store.chargers[record_id]
        return charger_report_rows(store, [charger], store.sessions.values())[0]
    tables = {
        "report/charging-session": store.sessions,
        "report/fault": store.faults,
        "report/transaction": store.transactions,
    }
    return history_row(tables[endpoint][record_id])
