"""Reads that survive the API as it really is, over loopback: every read against the simulator's
variants (drifting records, flipped status shapes, DRF error shapes, other caps and bursts).

The simulator says which records drifted and how (``drift_note``), and what each record is when
sent as documented (``canonical``), so every listed record is checked against what a tolerant
reader must make of it: the coerced value where no guess is needed, the raw value in ``extra``
where it is.
"""

from __future__ import annotations

import csv
import io
import json
import logging
from collections import Counter
from typing import Any

import pytest

from epic_async import EpicClient, ResponseValidationError, SyncEpicClient
from epic_async._reads import structure, unstructure
from epic_async.cli import main
from epic_async.cli._common import model_columns
from epic_async.models import (
    Charger,
    ChargerReportRow,
    ChargerStatusReportRow,
    ChargingSessionRow,
    FaultRow,
    ReadModel,
    SessionStatus,
    TransactionRow,
)
from epic_async.testing import VARIANTS, FakeEpicServer, Variant
from epic_async.testing._drift import DriftNote

from .conftest import point_env_at

REPORT_MODELS: dict[str, type[Any]] = {
    "sessions": ChargingSessionRow,
    "charger-status": ChargerStatusReportRow,
    "chargers": ChargerReportRow,
    "faults": FaultRow,
    "transactions": TransactionRow,
}


def client_for(fake: FakeEpicServer, **options: Any) -> EpicClient:
    return EpicClient(api_key=fake.api_key, base_url=fake.base_url, rate_limit=None, **options)


def put(data: Any, path: tuple[str | int, ...], value: Any) -> None:
    for step in path[:-1]:
        data = data[step]
    data[path[-1]] = value


def extras(model: Any, path: str = "$") -> dict[str, Any]:
    """Every non-empty ``extra`` in a model tree, by path."""
    found = {path: dict(model.extra)} if model.extra is not None else {}
    for name in type(model).__attrs_attrs__:
        value = getattr(model, name.name)
        children = value if isinstance(value, list) else [value]
        for index, child in enumerate(children):
            if isinstance(child, ReadModel):
                where = f"{path}.{name.name}" + (f"[{index}]" if isinstance(value, list) else "")
                found.update(extras(child, where))
    return found


def expected_reading(
    canonical: dict[str, Any], note: DriftNote | None
) -> tuple[Any, dict[str, Any]]:
    """What a tolerant reader must return for a record (as JSON data) and its extras."""
    expected = unstructure(structure(canonical, Charger))
    if note is None:
        return expected, {}
    path = tuple(int(s) if isinstance(s, str) and s.isdigit() else s for s in note.path)
    if note.kind == "status_string":
        put(expected, path, {"key": note.canonical["key"], "value": ""})
    elif note.kind == "null_field":
        put(expected, path, None)
    elif note.kind in ("object_for_string", "new_nested"):
        put(expected, path, note.sent)  # the raw value, merged back from `extra`
        return expected, {"$": {path[-1]: note.sent}}
    return expected, {}


async def test_a_listing_of_10000_chargers_with_30_percent_drift_reads_every_record_once(
    caplog: pytest.LogCaptureFixture,
) -> None:
    async with FakeEpicServer(chargers=10_000, seed=5, variant=Variant(drift_share=0.3)) as fake:
        async with client_for(fake) as client:
            chargers = await client.chargers.list(concurrency=8).collect()
        order = fake.store.charger_order()
        assert [c.id for c in chargers] == order  # every record once, in order
        kinds: Counter[str] = Counter()
        for charger in chargers:
            note = fake.drift_note(charger.id)
            kinds[note.kind if note else "none"] += 1
            expected, expected_extras = expected_reading(
                fake.canonical("charger-list", charger.id), note
            )
            assert unstructure(charger) == expected, note
            assert extras(charger) == expected_extras, note
    assert 2_700 <= sum(n for kind, n in kinds.items() if kind != "none") <= 3_300
    assert set(kinds) == {
        "none",
        "status_string",
        "numeric_string",
        "int_for_float",
        "object_for_string",
        "null_field",
        "new_nested",
        "enum_case",
        "datetime_z",
        "naive_datetime",
    }
    warned = [r.getMessage() for r in caplog.records if r.levelname == "WARNING"]
    assert any("Charger.location_name expected str | None, got {'name':" in m for m in warned)
    assert sum("without a UTC offset" in m for m in warned) == 1  # once per client
    assert len(warned) == len(set(warned)) <= 6  # one per (model, field), never one per record


async def test_strict_raises_on_the_same_data_naming_the_fields() -> None:
    fake = FakeEpicServer(chargers=300, seed=5, variant=Variant(drift_share=0.3))
    async with fake, client_for(fake, strict=True) as client:
        with pytest.raises(ResponseValidationError) as caught:
            await client.chargers.list().collect()
    assert "strict=True" in str(caught.value)
    assert all(m.startswith("$.results[") for m in caught.value.messages)


async def test_a_record_without_its_identity_stops_the_listing_at_its_offset() -> None:
    async with FakeEpicServer(chargers=250, seed=1) as fake, client_for(fake) as client:
        victim = fake.store.charger_order()[137]
        fake.store.chargers[victim]["id"] = None  # the next render sends "id": null
        fake.store.changed(victim)
        with pytest.raises(ResponseValidationError, match="at offset 137"):
            await client.chargers.list(page_size=50).collect()


@pytest.mark.parametrize("shape", ["documented", "flipped"])
async def test_reports_read_both_status_shapes(shape: str) -> None:
    variant = Variant(status_shape=shape, drift_share=0.3)  # type: ignore[arg-type]
    fake = FakeEpicServer(chargers=40, seed=2, variant=variant)
    async with fake, client_for(fake) as client:
        sessions = await client.reports.charging_sessions().collect()
        status_rows = await client.reports.charger_status().collect()
    assert sessions and all(isinstance(row, ChargingSessionRow) for row in sessions)
    assert {row.status for row in sessions} <= set(SessionStatus)
    assert all(
        row.status.key
        in {
            "AVAILABLE",
            "CHARGING",
            "OFFLINE",
            "FAULTED",
            "STANDBY",
            "RESERVED",
            "UNAVAILABLE",
            "DISABLED",
        }
        for row in status_rows
    )


@pytest.mark.parametrize("name", list(VARIANTS))
async def test_every_read_against_every_variant(
    name: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.ERROR, logger="epic_async")  # drift warnings are expected here
    fake = FakeEpicServer(chargers=60, seed=4, variant=name)
    async with fake, client_for(fake) as client:
        chargers = await client.chargers.list(page_size=20).collect()
        assert [c.id for c in chargers] == fake.store.charger_order()
        detail = await client.chargers.get(chargers[7].id)
        assert (
            detail.id == chargers[7].id and detail.charger_point_id == chargers[7].charger_point_id
        )
        many = await client.chargers.get_many(
            [chargers[0].id, "00000000-0000-0000-0000-000000000000"]
        )
        assert many[0] is not None and many[0].id == chargers[0].id and many[1] is None
        ports = await client.charger_ports.list().collect()
        assert len({p.id for p in ports}) == len(ports) == len(fake.store.ports)
        port = await client.charger_ports.get(ports[3].id)
        assert port.id == ports[3].id
        locations = await client.locations.list().collect()
        users = await client.users.list().collect()
        assert len(locations) == len(fake.store.locations) and len(users) == len(fake.store.users)
        assert (await client.locations.get(locations[0].id)).id == locations[0].id
        assert (await client.users.get(users[0].uuid)).uuid == users[0].uuid
        reports = client.reports
        for pager in (
            reports.charger_status(),
            reports.chargers(),
            reports.charging_sessions(),
            reports.faults(),
            reports.transactions(),
        ):
            rows = await pager.collect()
            assert len(rows) == pager.count  # every row read, none lost to a drifted field


@pytest.mark.parametrize("name", ["documented", "drifting", "flipped-statuses", "kitchen-sink"])
@pytest.mark.parametrize(
    "report", ["sessions", "charger-status", "chargers", "faults", "transactions"]
)
def test_the_cli_exports_every_report_row_whatever_the_variant(
    name: str,
    report: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.ERROR, logger="epic_async")
    with FakeEpicServer(chargers=30, seed=3, variant=name).run_in_thread() as fake:
        point_env_at(monkeypatch, fake, base_url=False)
        base = [
            "--base-url",
            fake.base_url,
            "--quiet",
            "reports",
            report,
            "--start-date",
            "2000-01-01",
        ]
        assert main([*base, "--format", "csv"]) == 0
        rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
        assert main([*base, "--format", "jsonl"]) == 0
        records = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert rows and len(rows) == len(records)
    header = list(rows[0])
    assert header == model_columns(REPORT_MODELS[report])  # the model decides, not a drifted row
    assert all(row["charger_id"] for row in rows)
    fields = {a.name for a in REPORT_MODELS[report].__attrs_attrs__} - {"extra"}
    assert all(fields <= set(record) for record in records)  # JSON lines: every field, and more


def test_sync_client_and_cli_take_strict(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.ERROR, logger="epic_async")
    drifting = FakeEpicServer(chargers=40, seed=6, variant=Variant(drift_share=0.5))
    with drifting.run_in_thread() as fake:
        options: dict[str, Any] = {"api_key": fake.api_key, "base_url": fake.base_url}
        with SyncEpicClient(**options, rate_limit=None) as tolerant:
            assert len(tolerant.chargers.list().collect()) == 40
        strict = SyncEpicClient(**options, rate_limit=None, strict=True)
        with strict, pytest.raises(ResponseValidationError, match="strict=True"):
            strict.chargers.list().collect()
        point_env_at(monkeypatch, fake, base_url=False)
        base = ["--base-url", fake.base_url, "--quiet", "chargers", "list", "--format", "jsonl"]
        assert main(base) == 0
        assert len(capsys.readouterr().out.splitlines()) == 40
        assert main([*base, "--strict"]) != 0
        assert "does not fit the model" in capsys.readouterr().err
