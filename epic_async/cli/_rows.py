"""Reading import files: CSV (flat columns, typed by the create model) or JSON / JSON lines.

CSV rules, so a spreadsheet maps onto nested create rows:

- a cell is converted to the create model field's type (``true``/``false``, numbers, lists split
  on ``;`` or ``,``); a cell that starts with ``[`` or ``{`` is JSON; empty cells are left out;
- dotted columns nest: ``places_api_data.place_id``, ``driver.driver_license``;
- chargers: ``port_<field>`` columns (``port_connector_id``, ``port_connector_type``,
  ``port_max_power``, ...) hold one port per line; consecutive lines with the same (or an empty)
  ``charger_point_id`` add ports to the same charger. A ``ports`` column may hold them all as JSON;
- locations: ``latitude``/``longitude`` fill ``location`` and the Places geometry, ``place_id``
  fills ``places_api_data.place_id``, whose address defaults to ``formatted_address``.

Each row keeps the line it starts on (the header is line 1), so errors point into the file.
"""

from __future__ import annotations

import csv
import enum
import functools
import sys
import types
import typing
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Union

import attrs
import orjson

from ..models import ChargerCreate, LocationCreate, PortCreate, UserCreate

__all__ = ["KINDS", "SourceRow", "read_rows"]

KINDS: dict[str, type[Any]] = {
    "chargers": ChargerCreate,
    "locations": LocationCreate,
    "users": UserCreate,
}

_TRUE = {"true", "yes", "y", "1", "t"}
_FALSE = {"false", "no", "n", "0", "f"}


@attrs.frozen
class SourceRow:
    """One record of the input: the ``line`` it starts on and its data as a plain dict."""

    line: int
    data: dict[str, Any]


def read_rows(path: str, kind: str, input_format: str | None = None) -> list[SourceRow]:
    """Every record of ``path`` (``-`` is stdin), by extension unless ``input_format`` says."""
    fmt = input_format or _format_of(path)
    try:
        text = sys.stdin.read() if path == "-" else Path(path).read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise ValueError(f"cannot read {path}: {exc.strerror}") from None
    except UnicodeDecodeError as exc:
        raise ValueError(f"{path} is not UTF-8 text: {exc.reason}") from None
    if fmt == "csv":
        return list(_read_csv(text, KINDS[kind]))
    if fmt == "jsonl":
        return _read_jsonl(text, path)
    return _read_json(text, path, kind)


def _format_of(path: str) -> str:
    suffix = Path(path).suffix.lower()
    if suffix in (".jsonl", ".ndjson"):
        return "jsonl"
    if suffix == ".json":
        return "json"
    if suffix in (".csv", ".txt") or path == "-":
        return "csv"
    raise ValueError(f"cannot tell the format of {path}: use .csv, .json, .jsonl or --input-format")


def _read_json(text: str, path: str, kind: str) -> list[SourceRow]:
    try:
        data = orjson.loads(text)
    except orjson.JSONDecodeError as exc:
        raise ValueError(f"{path} is not valid JSON: {exc}") from None
    if isinstance(data, dict) and isinstance(data.get(kind), list):
        data = data[kind]  # the API's own body shape: {"chargers": [...]}
    if not isinstance(data, list):
        raise ValueError(f"{path}: expected a JSON array of {kind} (or {{{kind!r}: [...]}})")
    return [SourceRow(i + 1, item if isinstance(item, dict) else {}) for i, item in enumerate(data)]


def _read_jsonl(text: str, path: str) -> list[SourceRow]:
    rows = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            item = orjson.loads(line)
        except orjson.JSONDecodeError as exc:
            raise ValueError(f"{path}:{number}: not valid JSON: {exc}") from None
        rows.append(SourceRow(number, item if isinstance(item, dict) else {}))
    return rows


# --- CSV ---------------------------------------------------------------------------------------


def _read_csv(text: str, cls: type[Any]) -> Iterator[SourceRow]:
    reader = csv.reader(text.splitlines(keepends=True))
    try:
        header = [h.strip() for h in next(reader)]
    except StopIteration:
        return
    _check_columns(header, cls)
    current: SourceRow | None = None
    start = reader.line_num + 1
    for cells in reader:
        line, start = start, reader.line_num + 1
        if not any(c.strip() for c in cells):
            continue
        flat = {h: c.strip() for h, c in zip(header, cells, strict=False) if h and c.strip()}
        port = {k[5:]: v for k, v in flat.items() if k.startswith("port_")}
        record = {k: v for k, v in flat.items() if not k.startswith("port_")}
        if cls is ChargerCreate and port and current is not None:
            key = record.get("charger_point_id")
            if key is None or key == current.data.get("charger_point_id"):
                current.data.setdefault("ports", []).append(_typed(port, PortCreate))
                continue
        if current is not None:
            yield current
        data = _typed(record, cls)
        if cls is LocationCreate:
            _location_shortcuts(data)
        if port:
            data.setdefault("ports", []).append(_typed(port, PortCreate))
        current = SourceRow(line, data)
    if current is not None:
        yield current


_SHORTCUTS = {"latitude", "longitude", "lat", "lng", "place_id"}


def _check_columns(header: list[str], cls: type[Any]) -> None:
    names = {f.name for f in attrs.fields(cls)}
    port_names = {f.name for f in attrs.fields(PortCreate)}
    unknown = []
    for column in header:
        root = column.split(".", 1)[0]
        if root in names or (cls is LocationCreate and column in _SHORTCUTS):
            continue
        if cls is ChargerCreate and column.startswith("port_") and column[5:] in port_names:
            continue
        unknown.append(column)
    if unknown:
        print(f"epic-async: ignoring unknown columns: {', '.join(unknown)}", file=sys.stderr)


def _typed(flat: dict[str, str], cls: type[Any]) -> dict[str, Any]:
    """Cells → a nested dict, each value converted to the type of its field in ``cls``."""
    result: dict[str, Any] = {}
    for column, text in flat.items():
        path = column.split(".")
        tp = _field_type(cls, path)
        if tp is None and not (cls is LocationCreate and column in _SHORTCUTS):
            continue
        target = result
        for part in path[:-1]:
            nested = target.setdefault(part, {})
            if not isinstance(nested, dict):
                break
            target = nested
        else:
            target[path[-1]] = text if tp is None else _convert(text, tp)
    return result


def _field_type(cls: Any, path: list[str]) -> Any:
    tp: Any = cls
    for part in path:
        tp = _unwrap_optional(tp)
        if not (isinstance(tp, type) and attrs.has(tp)):
            return None
        hints = _hints(tp)
        if part not in hints:
            return None
        tp = hints[part]
    return tp


@functools.cache
def _hints(cls: type[Any]) -> dict[str, Any]:
    return typing.get_type_hints(cls)


def _unwrap_optional(tp: Any) -> Any:
    if typing.get_origin(tp) in (Union, types.UnionType):
        args = [a for a in typing.get_args(tp) if a is not type(None)]
        if len(args) == 1:
            return args[0]
    return tp


def _convert(text: str, tp: Any) -> Any:
    """One cell as ``tp``; text that does not convert is kept, so the validator names the field."""
    if text[:1] in "[{":
        try:
            return orjson.loads(text)
        except orjson.JSONDecodeError:
            return text
    tp = _unwrap_optional(tp)
    origin = typing.get_origin(tp)
    try:
        if tp is bool:
            lowered = text.lower()
            return True if lowered in _TRUE else False if lowered in _FALSE else text
        if tp is int:
            return int(text)
        if tp is float:
            return float(text)
        if origin is tuple:  # location: "lat,lng" or "lat;lng"
            return [float(p) for p in text.replace(";", ",").split(",")]
    except ValueError:
        return text
    if origin is list:
        return [p.strip() for p in text.replace(";", ",").split(",") if p.strip()]
    if isinstance(tp, type) and issubclass(tp, enum.Enum):
        return text
    return text


def _location_shortcuts(data: dict[str, Any]) -> None:
    """``latitude``/``longitude``/``place_id`` columns → the nested fields the API wants."""
    lat = data.pop("latitude", data.pop("lat", None))
    lng = data.pop("longitude", data.pop("lng", None))
    place_id = data.pop("place_id", None)
    coords = []
    for value in (lat, lng):
        try:
            coords.append(float(value) if value is not None else None)
        except ValueError:
            coords.append(value)
    if lat is not None and lng is not None and "location" not in data:
        data["location"] = coords
    places = data.setdefault("places_api_data", {})
    if not isinstance(places, dict):
        return
    if place_id is not None:
        places.setdefault("place_id", place_id)
    if "formatted_address" in data:
        places.setdefault("formatted_address", data["formatted_address"])
    if lat is not None and lng is not None:
        places.setdefault("geometry", {"location": {"lat": coords[0], "lng": coords[1]}})
