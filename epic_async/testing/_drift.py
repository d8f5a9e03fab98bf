"""Record drift: one record's JSON as a tenant whose serializers differ from the docs would send it.

A DRF tenant that declares one field differently (a ``CharField`` for a number, a nested
serializer for a name, a naive ``DateTimeField``, a plain ``ChoiceField`` for a status) sends
records that are right in every field but one. :func:`drift` applies one such change to one
rendered record and says what it changed; :func:`choose_drift` decides, from the server's seed and
the record's id, whether a record drifts and how. Pure functions of their arguments: the input is
never modified (the store keeps the canonical records), and nothing here imports aiohttp or the SDK.

Each kind touches the first field of :data:`DRIFT_FIELDS` ``[endpoint][kind]`` that fits it (a
path's ``"*"`` is the first list item that fits); a kind with no fitting field on a record is
skipped for the next kind in :data:`DRIFT_KINDS` order. A record's identity (``id``, ``uuid`` for
users, ``charger_id`` for the charger-status and charger report rows) never drifts.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator, Mapping
from typing import Any, Literal, get_args

import attrs

__all__ = [
    "DRIFT_FIELDS",
    "DRIFT_KINDS",
    "ENDPOINTS",
    "IDENTITY",
    "DriftKind",
    "DriftNote",
    "Endpoint",
    "Path",
    "choose_drift",
    "drift",
    "expand",
    "replace_at",
]

DriftKind = Literal[
    "status_string",  # a {key, value} status or connector type sent as its key: "AVAILABLE"
    "numeric_string",  # a number sent as a string: "21.5"
    "int_for_float",  # an integral float sent as an int: 150 for 150.0
    "object_for_string",  # a string sent inside an object: {"name": "Oslo Depot 3"}
    "null_field",  # a usually-set, non-identity field sent as null
    "new_nested",  # an extra, unknown key holding a nested object
    "enum_case",  # an enum value in another case: "paid", "DRIVER", "available"
    "datetime_z",  # "...T10:00:00Z" for "...T10:00:00+00:00"
    "naive_datetime",  # "...T10:00:00" for "...T10:00:00+00:00"
]
DRIFT_KINDS: tuple[DriftKind, ...] = get_args(DriftKind)

Endpoint = Literal[
    "charger-list",  # items of GET charger/
    "charger-detail",  # GET charger/{id}/
    "charger-port",  # items of GET charger-port/, GET and PATCH charger-port/{id}/
    "location",  # items of GET location/, GET location/{id}/
    "user",  # items of GET user/, GET user/{uuid}/
    "report/charger-status",
    "report/charger",
    "report/charging-session",
    "report/fault",
    "report/transaction",
]
ENDPOINTS: tuple[Endpoint, ...] = get_args(Endpoint)

# The field that names a record on each endpoint: never drifted, and the input of choose_drift.
IDENTITY: Mapping[Endpoint, str] = {
    **dict.fromkeys(ENDPOINTS, "id"),
    "user": "uuid",
    "report/charger-status": "charger_id",
    "report/charger": "charger_id",
}

Path = tuple[str | int, ...]
Template = tuple[str, ...]  # a path whose "*" stands for any index of a list

_DATETIMES: Mapping[Endpoint, tuple[Template, ...]] = {
    "charger-list": (("ports", "*", "charging_start_at"),),
    "charger-detail": (("ports", "*", "charging_start_at"),),
    "charger-port": (("created_at",), ("start_charging_at",)),
    "location": (("created_at",),),
    "user": (("created_at",),),
    "report/charger-status": (("last_heartbeat_at",),),
    "report/charger": (),
    "report/charging-session": (("started_at",), ("ended_at",)),
    "report/fault": (("occurred_at",), ("resolved_at",)),
    "report/transaction": (("created_at",),),
}

# The unknown key new_nested adds, per endpoint, and the nested object it holds.
_NESTED: Mapping[str, Any] = {
    "telemetry": {"voltage": 230, "phases": [1, 2, 3]},
    "opening_hours": {"weekdays": {"open": "07:00", "close": "22:00"}, "closed_on": ["12-25"]},
    "preferences": {"language": "en", "units": {"energy": "kWh"}},
    "meta": {"source": "ocpp-1.6", "tags": ["v2"]},
}
_NESTED_KEY: Mapping[Endpoint, str] = {
    "charger-list": "telemetry",
    "charger-detail": "telemetry",
    "charger-port": "telemetry",
    "report/charger-status": "telemetry",
    "location": "opening_hours",
    "user": "preferences",
    "report/charger": "meta",
    "report/charging-session": "meta",
    "report/fault": "meta",
    "report/transaction": "meta",
}

_S, _PS = ("status",), ("ports", "*", "status")
_STATUS_KEYS = (("status", "key"), ("status",))  # documented {key, value}, or flipped string

# Which fields each kind may touch, per endpoint, in order of preference. A kind missing from an
# endpoint has no such field there (a location has no status; a fault row has no number).
_OWN_FIELDS: Mapping[Endpoint, Mapping[DriftKind, tuple[Template, ...]]] = {
    "charger-list": {
        "status_string": (_S, _PS),
        "numeric_string": (("temperature",), ("ports", "*", "max_power")),
        "int_for_float": (
            ("ports", "*", "max_power"),
            ("temperature",),
            ("ports", "*", "charge_current_kilowatt_hour"),
        ),
        "object_for_string": (("location_name",), ("customer_qr_code",)),
        "null_field": (("temperature",), ("customer_qr_code",)),
        "enum_case": (("payment_type",), *_STATUS_KEYS),
    },
    "charger-detail": {
        "status_string": (_S, ("ports", "*", "connector_type")),
        "numeric_string": (("ports", "*", "max_power"), ("ports", "*", "charging_speed")),
        "int_for_float": (
            ("ports", "*", "max_power"),
            ("ports", "*", "power"),
            ("ports", "*", "charging_speed"),
        ),
        "object_for_string": (("manufacturer",), ("model",)),
        "null_field": (("manufacturer",), ("model",)),
        "enum_case": (("payment_type",), *_STATUS_KEYS),
    },
    "charger-port": {
        "status_string": (_S, ("connector_type",)),
        "numeric_string": (("max_power",), ("charging_speed",), ("current_kilowatt_hour",)),
        "int_for_float": (("max_power",), ("power",), ("charging_speed",)),
        "object_for_string": (("location_name",), ("parking_lot",)),
        "null_field": (("max_power",), ("charging_speed",)),
        "enum_case": (("connector_type", "key"), ("connector_type",), *_STATUS_KEYS),
    },
    "location": {
        "numeric_string": (("location", "0"), ("places_api_data", "geometry", "location", "lat")),
        "object_for_string": (("company_name",), ("formatted_address",)),
        "null_field": (("company_name",), ("formatted_address",)),
    },
    "user": {
        "object_for_string": (("location_name",), ("first_name",), ("last_name",)),
        "null_field": (("first_name",), ("last_name",)),
        "enum_case": (("role",), ("status",)),
    },
    "report/charger-status": {
        "status_string": (_S, _PS),
        "numeric_string": (("ports", "*", "connector_id"),),
        "object_for_string": (("location_name",),),
        "null_field": (("location_name",), ("last_heartbeat_at",)),
        "enum_case": _STATUS_KEYS,
    },
    "report/charger": {
        "numeric_string": (("energy_kwh",), ("revenue",), ("uptime_percent",)),
        "int_for_float": (("energy_kwh",), ("revenue",), ("uptime_percent",)),
        "object_for_string": (("location_name",), ("currency",)),
        "null_field": (("energy_kwh",), ("uptime_percent",)),
    },
    "report/charging-session": {
        "status_string": (_S,),  # {key, value} only when the statuses are flipped
        "numeric_string": (("energy_kwh",), ("cost",), ("duration_seconds",)),
        "int_for_float": (("energy_kwh",), ("cost",)),
        "object_for_string": (("location_name",), ("currency",)),
        "null_field": (("energy_kwh",), ("cost",)),
        "enum_case": (("status",), ("status", "key")),
    },
    "report/fault": {
        "object_for_string": (("error_code",),),
        "null_field": (("error_code",), ("severity",)),
        "enum_case": (("severity",),),
    },
    "report/transaction": {
        "numeric_string": (("energy_kwh",), ("amount",)),
        "int_for_float": (("amount",), ("energy_kwh",)),
        "object_for_string": (("currency",),),
        "null_field": (("energy_kwh",), ("amount",)),
        "enum_case": (("payment_type",),),
    },
}


def _all_fields(endpoint: Endpoint) -> dict[DriftKind, tuple[Template, ...]]:
    """An endpoint's own fields, plus its new key and its datetimes."""
    fields: dict[DriftKind, tuple[Template, ...]] = dict(_OWN_FIELDS[endpoint])
    fields["new_nested"] = ((_NESTED_KEY[endpoint],),)
    if _DATETIMES[endpoint]:
        fields["datetime_z"] = fields["naive_datetime"] = _DATETIMES[endpoint]
    return fields


DRIFT_FIELDS: Mapping[Endpoint, Mapping[DriftKind, tuple[Template, ...]]] = {
    endpoint: _all_fields(endpoint) for endpoint in ENDPOINTS
}

# The kinds each endpoint has fields for, in DRIFT_KINDS order: what choose_drift cycles over.
_KINDS_OF: Mapping[Endpoint, tuple[DriftKind, ...]] = {
    endpoint: tuple(k for k in DRIFT_KINDS if k in DRIFT_FIELDS[endpoint]) for endpoint in ENDPOINTS
}

# object_for_string wraps the string under this key ("name" unless listed).
_WRAPPER = {"customer_qr_code": "url", "currency": "code", "error_code": "code"}


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _utc(value: Any) -> bool:
    return isinstance(value, str) and value.endswith("+00:00")


_FITS: Mapping[DriftKind, Callable[[Any], bool]] = {
    "status_string": lambda v: isinstance(v, dict) and isinstance(v.get("key"), str),
    "numeric_string": _number,
    "int_for_float": lambda v: isinstance(v, float) and v.is_integer(),
    "object_for_string": lambda v: isinstance(v, str) and bool(v),
    "null_field": lambda v: v is not None,
    "new_nested": lambda v: False,  # handled apart: it adds a key rather than changing one
    "enum_case": lambda v: isinstance(v, str) and v.lower() != v.upper(),
    "datetime_z": _utc,
    "naive_datetime": _utc,
}


def _sent(kind: DriftKind, path: Path, value: Any) -> Any:
    """What a drifted record sends instead of ``value``, the canonical value at ``path``."""
    if kind == "status_string":
        return value["key"]
    if kind == "numeric_string":
        return str(value)
    if kind == "int_for_float":
        return int(value)
    if kind == "object_for_string":
        return {_WRAPPER.get(str(path[-1]), "name"): value}
    if kind == "enum_case":
        return value.lower() if value != value.lower() else value.upper()
    if kind == "datetime_z":
        return value.removesuffix("+00:00") + "Z"
    if kind == "naive_datetime":
        return value.removesuffix("+00:00")
    return None  # null_field


@attrs.frozen
class DriftNote:
    """What :func:`drift` changed in one record.

    ``path`` leads from the record to the changed value (``("ports", 0, "max_power")``);
    ``canonical`` is the value the record had there (``None`` for ``new_nested``: the key was
    absent) and ``sent`` what the drifted record has instead. A tolerant reader should read
    ``canonical`` back (the key of a status, the number, the string inside the object, the same
    instant for both datetime kinds, UTC for the naive one), read ``None`` for ``null_field``, and
    keep ``sent`` in its model's ``extra`` for ``new_nested`` (or anything it could not coerce).
    """

    record_id: str
    endpoint: Endpoint
    kind: DriftKind
    path: Path
    canonical: Any
    sent: Any

    def value_in(self, record: Any) -> Any:
        """The value at :attr:`path` in ``record`` (a served row, drifted or not)."""
        for step in self.path:
            if isinstance(record, dict):
                record = record.get(str(step))
            elif isinstance(record, list) and isinstance(step, int) and step < len(record):
                record = record[step]
            else:
                return None
        return record


def expand(node: Any, template: Template, done: Path = ()) -> Iterator[tuple[Path, Any]]:
    """Every concrete path matching ``template`` in ``node``, with its value, in order."""
    if not template:
        yield done, node
        return
    head, rest = template[0], template[1:]
    if isinstance(node, list):
        indexes = range(len(node)) if head == "*" else [int(head)] if head.isdigit() else []
        for i in indexes:
            if i < len(node):
                yield from expand(node[i], rest, (*done, i))
    elif isinstance(node, dict) and head in node:
        yield from expand(node[head], rest, (*done, head))


def _find(record: Mapping[str, Any], kind: DriftKind, endpoint: Endpoint) -> Path | None:
    templates = DRIFT_FIELDS[endpoint].get(kind, ())
    if kind == "new_nested":
        key = templates[0][0]
        return (key,) if key not in record else None
    fits = _FITS[kind]
    for template in templates:
        for path, value in expand(record, template):
            if fits(value):
                return path
    return None


def replace_at(node: Any, path: Path, value: Any) -> Any:
    """A copy of ``node`` with ``value`` at ``path``: only the containers on the path are copied."""
    if not path:
        return value
    head, rest = path[0], path[1:]
    if isinstance(node, list):
        assert isinstance(head, int)
        items = list(node)
        items[head] = replace_at(items[head], rest, value)
        return items
    fields = dict(node)
    fields[str(head)] = replace_at(fields.get(str(head)), rest, value)
    return fields


def drift(
    record: Mapping[str, Any], kind: DriftKind, endpoint: Endpoint
) -> tuple[dict[str, Any], DriftNote]:
    """``record`` (as ``endpoint`` renders it) with one ``kind`` of drift, and a note of it.

    The input is left as it was. Raises ``ValueError`` when no field of the record fits the kind
    on that endpoint (no ``status_string`` on a location, no ``int_for_float`` on 7.4 kW).
    """
    path = _find(record, kind, endpoint)
    if path is None:
        raise ValueError(f"no field of this {endpoint} record fits {kind!r}")
    record_id = str(record[IDENTITY[endpoint]])
    if kind == "new_nested":
        canonical, sent = None, _NESTED[str(path[0])]
    else:
        canonical = next(value for _, value in expand(record, tuple(map(str, path))))
        sent = _sent(kind, path, canonical)
    note = DriftNote(record_id, endpoint, kind, path, canonical, sent)
    return replace_at(record, path, sent), note


def _draw(seed: int, record_id: str) -> tuple[float, int]:
    """A uniform float in [0, 1) and a large integer, both fixed by ``(seed, record_id)``."""
    digest = hashlib.blake2b(f"{seed}:{record_id}".encode(), digest_size=16).digest()
    return int.from_bytes(digest[:8], "big") / 2.0**64, int.from_bytes(digest[8:], "big")


def choose_drift(
    record: Mapping[str, Any], endpoint: Endpoint, *, seed: int, share: float
) -> DriftKind | None:
    """The kind of drift ``record`` gets on ``endpoint``, or ``None`` if it stays canonical.

    A hash of ``(seed, id)`` decides whether the record is among the ``share`` that drift, and
    which of the endpoint's kinds (:data:`DRIFT_FIELDS`, in :data:`DRIFT_KINDS` order) it starts
    from; a kind with no fitting field on this record (no datetime on an idle port) hands over to
    the next, cycling (``new_nested`` always fits). A record keeps its kind while its fields do.
    """
    if share <= 0:
        return None
    drawn, start = _draw(seed, str(record[IDENTITY[endpoint]]))
    if drawn >= share:
        return None
    kinds = _KINDS_OF[endpoint]
    for step in range(len(kinds)):
        kind = kinds[(start + step) % len(kinds)]
        if _find(record, kind, endpoint) is not None:
            return kind
    return None
