"""``epic-async <kind> import``: the files people really have, read as they meant them.

Semicolon and tab delimited CSV (spreadsheets in many locales), JSON arrays reported by the line
each item starts on, a file's unknown columns checked once, in-file duplicates that stay failed on
a rerun, and an empty file refused in one line.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from epic_async.cli import main
from epic_async.testing import FakeEpicServer

from .conftest import point_env_at

HEADER = [
    "charger_point_id",
    "manufacturer",
    "model",
    "rfid_required",
    "current_type",
    "port_connector_id",
    "port_connector_type",
    "port_max_power",
    "port_power",
]


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeEpicServer]:
    with FakeEpicServer(chargers=5, seed=11).run_in_thread() as server:
        point_env_at(monkeypatch, server, base_url=False)
        yield server


def run(fake: FakeEpicServer, *argv: str) -> int:
    return main(["--base-url", fake.base_url, "--quiet", *argv])


def jsonl(text: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def charger(cp: str, delimiter: str = ",", *, connector: str = "CCS") -> str:
    return delimiter.join(
        [cp, "epic_ocpp", "epic_pro", "false", "DC", "1", connector, "150", "150"]
    )


def write_csv(
    path: Path, lines: list[str], delimiter: str = ",", header: list[str] = HEADER
) -> Path:
    path.write_text("\n".join([delimiter.join(header), *lines]) + "\n", encoding="utf-8")
    return path


@pytest.mark.parametrize("delimiter", [";", "\t"], ids=["semicolon", "tab"])
def test_a_semicolon_or_tab_delimited_file_is_read_as_such(
    fake: FakeEpicServer, capsys: pytest.CaptureFixture[str], tmp_path: Path, delimiter: str
) -> None:
    lines = [charger(f"DL-{i}", delimiter) for i in range(3)]
    source = write_csv(tmp_path / "chargers.csv", lines, delimiter)
    assert run(fake, "chargers", "import", str(source)) == 0
    outcome = jsonl(capsys.readouterr().out)
    assert [(r["line"], r["key"], r["status"]) for r in outcome] == [
        (2, "DL-0", "created"),
        (3, "DL-1", "created"),
        (4, "DL-2", "created"),
    ]


def test_delimiter_given_on_the_command_line(
    fake: FakeEpicServer, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """``|`` is not guessed from the header; ``--delimiter`` says it."""
    piped = write_csv(tmp_path / "chargers.txt", [charger("PIPE-1", "|")], "|")
    assert run(fake, "chargers", "import", str(piped), "--delimiter", "|") == 0
    assert jsonl(capsys.readouterr().out)[0]["status"] == "created"
    assert run(fake, "chargers", "import", str(piped), "--delimiter", ":") == 2
    assert "argument --delimiter: use , ; tab or | (got ':')" in capsys.readouterr().err


def test_json_array_items_are_reported_by_the_line_they_start_on(
    fake: FakeEpicServer, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    port = {"connector_id": 1, "connector_type": "CCS", "max_power": 50, "power": 50}
    items = [
        {
            "charger_point_id": f"JS-{i}",
            "manufacturer": "epic_ocpp",
            "model": "m",
            "rfid_required": False,
            "ports": [port],
        }
        for i in range(3)
    ]
    items[2]["manufacturer"] = ""
    source = tmp_path / "chargers.json"
    source.write_text(json.dumps({"chargers": items}, indent=2), encoding="utf-8")
    starts = [n for n, text in enumerate(source.read_text().splitlines(), 1) if text == "    {"]
    assert run(fake, "chargers", "import", str(source)) == 1
    captured = capsys.readouterr()
    outcome = jsonl(captured.out)
    assert [r["line"] for r in outcome] == starts  # not 1, 2, 3
    assert f"line {starts[2]}: JS-2: manufacturer: This field may not be blank." in captured.err


def test_an_in_file_duplicate_stays_failed_on_a_skip_existing_rerun(
    fake: FakeEpicServer, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    source = write_csv(
        tmp_path / "chargers.csv", [charger("DUP-1"), charger("DUP-2"), charger("DUP-1")]
    )
    results = tmp_path / "results.jsonl"
    duplicate = "Duplicate charger_point_id 'DUP-1': already used by line 2 of this file."
    assert run(fake, "chargers", "import", str(source), "--results", str(results)) == 1
    first = jsonl(results.read_text(encoding="utf-8"))
    assert [r["status"] for r in first] == ["created", "created", "failed"]
    assert first[2]["errors"] == {"charger_point_id": [duplicate]}
    capsys.readouterr()
    rerun = ["--results", str(results), "--skip-existing"]
    assert run(fake, "chargers", "import", str(source), *rerun) == 1
    second = jsonl(results.read_text(encoding="utf-8"))
    assert [(r["status"], r.get("skipped", False)) for r in second] == [
        ("created", True),
        ("created", True),
        ("failed", False),  # not "created": it is not the row the server holds
    ]
    assert second[2]["errors"] == {"charger_point_id": [duplicate]}
    assert "line 4: DUP-1: charger_point_id: Duplicate" in capsys.readouterr().err
    assert len(fake.counters.created_ids) == 2


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("empty.csv", ""),
        ("header-only.csv", ",".join(HEADER) + "\n"),
        ("empty.json", "[]"),
        ("empty-wrapped.json", '{"chargers": []}'),
        ("empty.jsonl", "\n\n"),
    ],
)
def test_an_empty_file_is_refused_in_one_line(
    fake: FakeEpicServer, capsys: pytest.CaptureFixture[str], tmp_path: Path, name: str, text: str
) -> None:
    source = tmp_path / name
    source.write_text(text, encoding="utf-8")
    assert run(fake, "chargers", "import", str(source)) == 2
    lines = [line for line in capsys.readouterr().err.splitlines() if line.strip()]
    assert len(lines) == 1 and "no chargers to import" in lines[0], lines
    assert fake.counters.requests == 0


def test_unknown_columns_are_named_once_and_dropped_by_default(
    fake: FakeEpicServer, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    header = [*HEADER, "custom_Id", "colour"]
    rows = [f"{charger(f'UC-{i}')},Bay {i},red" for i in range(3)]
    source = write_csv(tmp_path / "chargers.csv", rows, header=header)
    assert run(fake, "chargers", "import", str(source)) == 0
    captured = capsys.readouterr()
    warnings = [line for line in captured.err.splitlines() if "unknown columns" in line]
    assert warnings == [
        f"epic-async: warning: {source}: unknown columns dropped: "
        "custom_Id (did you mean custom_id?), colour"
    ]
    assert [r["status"] for r in jsonl(captured.out)] == ["created"] * 3
    created = [c for c in fake.store.chargers.values() if c["charger_point_id"].startswith("UC-")]
    assert {c["custom_id"] for c in created} == {None}  # dropped, not guessed


def test_unknown_columns_refused_or_sent_on_request(
    fake: FakeEpicServer, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    header = [*HEADER, "custom_Id"]
    source = write_csv(tmp_path / "chargers.csv", [f"{charger('US-1')},Bay 1"], header=header)
    assert run(fake, "chargers", "import", str(source), "--unknown-columns", "error") == 2
    error = capsys.readouterr().err.strip()
    assert error == (
        f"epic-async: error: {source}: unknown columns: custom_Id (did you mean custom_id?) "
        "(--unknown-columns drop|send)"
    )
    assert fake.counters.requests == 0
    assert run(fake, "chargers", "import", str(source), "--unknown-columns", "send") == 0
    captured = capsys.readouterr()
    assert "unknown columns sent unchecked: custom_Id" in captured.err
    assert jsonl(captured.out)[0]["status"] == "created"


def test_a_json_files_nested_unknown_keys_are_named_with_their_path(
    fake: FakeEpicServer, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    port = {"connector_id": 1, "connector_type": "CCS", "max_power": 50, "power": 50, "max_powr": 9}
    row = {"charger_point_id": "NK-1", "manufacturer": "m", "model": "m", "rfid_required": False}
    source = tmp_path / "chargers.jsonl"
    source.write_text(json.dumps({**row, "ports": [port]}) + "\n", encoding="utf-8")
    assert run(fake, "chargers", "import", str(source)) == 0
    err = capsys.readouterr().err
    assert "unknown columns dropped: ports[].max_powr (did you mean ports[].max_power?)" in err
