"""How a :class:`Variant` reshapes the records it serves: statuses flipped, then drift.

A ``Shaper`` is built only for variants that reshape anything (``make_shaper`` answers ``None``
otherwise), so the documented variant renders exactly as before and pays nothing. Pure functions
of the rendered records: no aiohttp, nothing from the SDK, the store's records are never modified.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ._drift import (
    DriftKind,
    DriftNote,
    Endpoint,
    Template,
    choose_drift,
    drift,
    expand,
    replace_at,
)
from ._store import key_value
from ._variant import Variant

__all__ = ["KEY_VALUE_FIELDS", "STRING_STATUS_FIELDS", "Shaper", "flip_statuses", "make_shaper"]

Record = dict[str, Any]

# {key, value} objects on each endpoint (documented); flipped, they travel as their key.
KEY_VALUE_FIELDS: Mapping[Endpoint, tuple[Template, ...]] = {
    "charger-list": (("status",), ("ports", "*", "status")),
    "charger-detail": (("status",), ("ports", "*", "connector_type")),
    "charger-port": (("status",), ("connector_type",)),
    "report/charger-status": (("status",), ("ports", "*", "status")),
}
# Plain-string statuses (documented); flipped, they travel as {key, value}. Fault severities and
# the port actions' answers are not statuses of a record and stay as they are.
STRING_STATUS_FIELDS: Mapping[Endpoint, tuple[Template, ...]] = {
    "report/charging-session": (("status",),),
}


def flip_statuses(record: Mapping[str, Any], endpoint: Endpoint) -> Record:
    """``record`` with its ``{key, value}`` statuses as strings and its string statuses as
    ``{key, value}`` (the value a human label: ``"IN_PROGRESS"`` → ``"In Progress"``)."""
    row: Record = dict(record)
    for template in KEY_VALUE_FIELDS.get(endpoint, ()):
        for path, value in list(expand(row, template)):
            if isinstance(value, dict) and "key" in value:
                row = replace_at(row, path, value["key"])
    for template in STRING_STATUS_FIELDS.get(endpoint, ()):
        for path, value in list(expand(row, template)):
            if isinstance(value, str):
                row = replace_at(row, path, key_value(value))
    return row


class Shaper:
    """Renders records as ``variant`` serves them; built by :func:`make_shaper`."""

    def __init__(self, variant: Variant, seed: int) -> None:
        self.flipped = variant.status_shape == "flipped"
        self.share = variant.drift_share
        self.seed = seed

    def shape(self, endpoint: Endpoint, record: Mapping[str, Any]) -> Record:
        """The variant's status shape, without drift (the answers of bulk creates)."""
        return flip_statuses(record, endpoint) if self.flipped else dict(record)

    def kind(self, endpoint: Endpoint, record: Mapping[str, Any]) -> DriftKind | None:
        """The drift ``record`` (canonical, as the store renders it) gets on ``endpoint``."""
        return choose_drift(
            self.shape(endpoint, record), endpoint, seed=self.seed, share=self.share
        )

    def note(self, endpoint: Endpoint, record: Mapping[str, Any]) -> DriftNote | None:
        """What the drift of ``record`` on ``endpoint`` changes, or ``None`` if it has none."""
        return self.served(endpoint, record)[1]

    def served(
        self, endpoint: Endpoint, record: Mapping[str, Any]
    ) -> tuple[Record, DriftNote | None]:
        row = self.shape(endpoint, record)
        kind = choose_drift(row, endpoint, seed=self.seed, share=self.share)
        return (row, None) if kind is None else drift(row, kind, endpoint)

    def __call__(self, endpoint: Endpoint, record: Mapping[str, Any]) -> Record:
        """What ``endpoint`` sends for ``record``: statuses in the variant's shape, then drift."""
        return self.served(endpoint, record)[0]


def make_shaper(variant: Variant, seed: int) -> Shaper | None:
    """A shaper for ``variant``, or ``None`` when it serves the documented shapes unchanged."""
    return Shaper(variant, seed) if variant.reshapes else None
