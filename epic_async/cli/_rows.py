"""Reading import files: CSV (flat columns, typed by the create model) or JSON / JSON lines.

CSV rules, so a spreadsheet maps onto nested create rows:

- the delimiter is read from the header line: ``,``, ``;`` (spreadsheets in many locales) or a
  tab, whichever it holds most of (``--delimiter`` decides instead);
- a cell is converted to the create model field's type (``true``/``false``, numbers, lists split
  on ``;`` or ``,``); a cell that starts with ``[`` or ``{`` is JSON; empty cells are left out;
- dotted columns nest: ``places_api_data.place_id``, ``driver.driver_license``;
- chargers: ``port_<field>`` columns (``port_connector_id``, ``port_connector_type``,
  ``port_max_power``, ...) hold one port per line; consecutive lines with the same (or an empty)
  ``charger_point_id`` add ports to the same charger. A ``ports`` column may hold them all as JSON;
- locations: ``latitude``/``longitude`` fill ``location`` and the Places geometry, ``place_id``
  fills ``places_api_data.place_id``, whose address defaults to ``formatted_address``.

Each row keeps the line it starts on (the header is line 1; a JSON array's item, the line its
``{`` is on), so errors point into the file. The columns (a JSON file's keys, nested ones too)
are checked once for the whole file: unknown ones are named in one warning and dropped
(``--unknown-columns drop``, the default), refused (``error``) or sent unchecked (``send``). A file
with no rows is refused.
"""

from __future__ import annotations

import argparse
import csv
import difflib
import enum
import functools
import json
import sys
import types
import typing
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any, Literal, Union

import attrs
import orjson

from ..models import ChargerCreate, LocationCreate, PortCreate, UserCreate

__all__ = ["DELIMITERS", "KINDS", "SourceRow", "UnknownColumns", "parse_delimiter", "read_rows"]

UnknownColumns = Literal["error", "drop", "send"]
#: What ``--delimiter`` accepts (a tab may be written ``tab`` or ``\t``).
DELIMITERS = {",": ",", ";": ";", "tab": "\t", "\\t": "\t", "\t": "\t", "|": "|"}

KINDS: dict[str, type[Any]] = {
    "chargers": ChargerCreate,
    "locations": LocationCreate,
    "users": UserCreate,
}

_TRUE = {"true", "yes", "y", "1", "t"}
_FALSE = {"false", "no", "n", "0", "f"}


@attrs.frozen
class SourceRow:
    """One record of the input: the ``line`` it starts on and its data (a plain dict, or what a
    JSON file held instead, which the SDK's checks then refuse)."""

    line: int
    data: Any


def parse_delimiter(text: str) -> str:
    """``--delimiter``: ``,``, ``;``, ``tab`` (also written as a backslash and ``t``) or ``|``."""
    try:
        return DELIMITERS[text.lower()]
    except KeyError:
        raise argparse.ArgumentTypeError(f"use , ; tab or | (got {text!r})") from None


def read_rows(
    path: str,
    kind: str,
    input_format: str | None = None,
    *,
    delimiter: str | None = None,
    unknown_columns: UnknownColumns = "drop",
    warnings: IO[str] | None = None,
) -> list[SourceRow]:
    """Every record of ``path`` (``-`` is stdin), by extension unless ``input_format`` says.

    Unknown columns are checked once for the file (see the module docstring); the one warning
    goes to ``warnings`` (stderr by default). Raises ``ValueError`` for a file that cannot be
    read, has no rows, or (``unknown_columns="error"``) has unknown columns.
    """
    fmt = input_format or _format_of(path)
    try:
        text = sys.stdin.read() if path == "-" else Path(path).read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise ValueError(f"cannot read {path}: {exc.strerror}") from None
    except UnicodeDecodeError as exc:
        raise ValueError(f"{path} is not UTF-8 text: {exc.reason}") from None
    cls = KINDS[kind]
    if fmt == "csv":
        header, rows = _read_csv(text, cls, delimiter, keep_unknown=unknown_columns == "send")
        unknown = _unknown_columns(header, cls)
    else:
        rows = _read_jsonl(text, path) if fmt == "jsonl" else _read_json(text, path, kind)
        unknown = sorted({p for row in rows for p in _unknown_keys(row.data, cls)})
    if unknown:
        _tell_unknown(path, unknown, unknown_columns, warnings or sys.stderr)
    if not rows:
        raise ValueError(f"{path}: no {kind} to import (the file has no rows)")
    return rows


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
    elif not isinstance(data, list):
        raise ValueError(f"{path}: expected a JSON array of {kind} (or {{{kind!r}: [...]}})")
    lines = _item_lines(text, kind)
    if len(lines) != len(data):  # a key given twice, say: orjson kept the last one
        lines = list(range(1, len(data) + 1))
    return [SourceRow(line, item) for line, item in zip(lines, data, strict=True)]


_SPACE = " \t\n\r"


def _item_lines(text: str, kind: str) -> list[int]:
    """The line each item of the file's array starts on (the file is valid JSON: orjson said so;
    the stdlib's scanner gives the positions orjson does not)."""
    decoder = json.JSONDecoder()
    position = _skip(text, 0)
    if text[position] == "{":  # {"chargers": [...]}: find that key's array
        position = _skip(text, position + 1)
        while text[position] == '"':
            key, position = decoder.raw_decode(text, position)
            position = _skip(text, _skip(text, position) + 1)  # past ':'
            if key == kind and text[position] == "[":
                break
            position = _skip(text, decoder.raw_decode(text, position)[1])
            position = _skip(text, position + 1) if text[position] == "," else position
    starts = []
    position = _skip(text, position + 1)  # past '['
    while text[position] != "]":
        starts.append(position)
        position = _skip(text, decoder.raw_decode(text, position)[1])
        if text[position] == ",":
            position = _skip(text, position + 1)
    lines, line, seen = [], 1, 0
    for start in starts:
        line += text.count("\n", seen, start)
        seen = start
        lines.append(line)
    return lines


def _skip(text: str, position: int) -> int:
    while position < len(text) and text[position] in _SPACE:
        position += 1
    return position


def _read_jsonl(text: str, path: str) -> list[SourceRow]:
    rows = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            item = orjson.loads(line)
        except orjson.JSONDecodeError as exc:
            raise ValueError(f"{path}:{number}: not valid JSON: {exc}") from None
        rows.append(SourceRow(number, item))
    return rows


# --- unknown columns ---------------------------------------------------------------------------


def _tell_unknown(path: str, unknown: list[str], mode: UnknownColumns, out: IO[str]) -> None:
    named = ", ".join(unknown)
    if mode == "error":
        raise ValueError(f"{path}: unknown columns: {named} (--unknown-columns drop|send)")
    done = "sent unchecked" if mode == "send" else "dropped"
    print(f"epic-async: warning: {path}: unknown columns {done}: {named}", file=out)


def _suggest(name: str, known: list[str]) -> str:
    lowered = {k.lower(): k for k in known}
    close = difflib.get_close_matches(name.lower(), list(lowered), n=1, cutoff=0.6)
    return f"{name} (did you mean {lowered[close[0]]}?)" if close else name


def _known_names(cls: type[Any]) -> list[str]:
    return [f.name for f in attrs.fields(cls) if f.name != "extra"]


def _unknown_keys(data: Any, cls: type[Any], prefix: str = "") -> list[str]:
    """Dotted paths of the keys of ``data`` (nested objects too) that ``cls`` does not know."""
    if not isinstance(data, dict):
        return []
    hints = _hints(typing.cast(Any, cls))
    known = _known_names(cls)
    found = []
    for key, value in data.items():
        if key not in known:
            found.append(_suggest(f"{prefix}{key}", [f"{prefix}{k}" for k in known]))
            continue
        inner = _unwrap_optional(hints[key])
        item = typing.get_args(inner)[0] if typing.get_origin(inner) in (list, tuple) else None
        if attrs.has(inner):
            found += _unknown_keys(value, inner, f"{prefix}{key}.")
        elif item is not None and attrs.has(item) and isinstance(value, list):
            for element in value:
                found += _unknown_keys(element, item, f"{prefix}{key}[].")
    return found


def _unknown_columns(header: list[str], cls: type[Any]) -> list[str]:
    """The header's columns no field, shortcut or port column takes, with suggestions."""
    known = [*_known_names(cls)]
    if cls is LocationCreate:
        known += sorted(_SHORTCUTS)
    if cls is ChargerCreate:
        known += [f"port_{name}" for name in _known_names(PortCreate)]
    unknown = []
    for column in header:
        if not column or column in known:
            continue
        if "." in column and _field_type(cls, column.split(".")) is not None:
            continue
        unknown.append(_suggest(column, known))
    return unknown


# --- CSV ---------------------------------------------------------------------------------------


def _delimiter_of(first_line: str) -> str:
    """The delimiter a header line uses: the most frequent of ``,`` ``;`` and tab (``,`` on a
    tie: a one-column file has none)."""
    counts = {d: first_line.count(d) for d in (",", ";", "\t")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] > counts[","] else ","


def _read_csv(
    text: str, cls: type[Any], delimiter: str | None, *, keep_unknown: bool
) -> tuple[list[str], list[SourceRow]]:
    lines = text.splitlines(keepends=True)
    if not lines:
        return [], []
    reader = csv.reader(lines, delimiter=delimiter or _delimiter_of(lines[0]))
    header = [h.strip() for h in next(reader)]
    return header, list(_csv_records(reader, header, cls, keep_unknown=keep_unknown))


def _csv_records(
    reader: Any, header: list[str], cls: type[Any], *, keep_unknown: bool
) -> Iterator[SourceRow]:
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
        data = _typed(record, cls, keep_unknown=keep_unknown)
        if cls is LocationCreate:
            _location_shortcuts(data)
        if port:
            data.setdefault("ports", []).append(_typed(port, PortCreate))
        current = SourceRow(line, data)
    if current is not None:
        yield current


_SHORTCUTS = {"latitude", "longitude", "lat", "lng", "place_id"}


def _typed(flat: dict[str, str], cls: type[Any], *, keep_unknown: bool = False) -> dict[str, Any]:
    """Cells → a nested dict, each value converted to the type of its field in ``cls``; a column
    no field takes is left out, or kept as its text (JSON when it looks like JSON) with
    ``keep_unknown``."""
    result: dict[str, Any] = {}
    for column, text in flat.items():
        path = column.split(".")
        tp = _field_type(cls, path)
        if tp is None and not (cls is LocationCreate and column in _SHORTCUTS):
            if keep_unknown:
                result[column] = _convert(text, str)
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
