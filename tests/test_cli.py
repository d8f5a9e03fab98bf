"""The ``epic-async`` command line, end to end against the simulator (in-process ``main``, and once
through a real subprocess)."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from epic_async.cli import main
from epic_async.cli._export import REPORTS
from epic_async.testing import FakeEpicServer

from .conftest import point_env_at

CHARGER_HEADER = (
    "charger_point_id,manufacturer,model,rfid_required,current_type,"
    "port_connector_id,port_connector_type,port_max_power,port_power,port_max_current,port_current"
)


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeEpicServer]:
    """A simulator in a thread with 30 chargers; the key in ``EPIC_API_KEY``."""
    with FakeEpicServer(chargers=30, seed=3).run_in_thread() as server:
        point_env_at(monkeypatch, server, base_url=False)
        yield server


def run(fake: FakeEpicServer, *argv: str) -> int:
    return main(["--base-url", fake.base_url, *argv])


def jsonl(text: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def write_chargers(path: Path, rows: list[str]) -> Path:
    path.write_text("\n".join([CHARGER_HEADER, *rows]) + "\n", encoding="utf-8")
    return path


def charger_line(cp: str, *, manufacturer: str = "epic_ocpp", connector: str = "CCS") -> str:
    return f"{cp},{manufacturer},epic_pro,false,DC,1,{connector},150,150,,"


# --- demo ------------------------------------------------------------------------------------


def test_demo_small_size_prints_the_summary(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code = main(["demo", "--size", "40", "--latency", "0", "--quiet", "--out-dir", str(tmp_path)])
    out = capsys.readouterr().out
    assert code == 0
    for expected in ("Fleet summary", "What it measured", "records/s", "requests", "429s"):
        assert expected in out
    assert "line " in out  # the broken rows, by CSV line
    sessions = (tmp_path / "charging-sessions.csv").read_text(encoding="utf-8").splitlines()
    assert sessions[0].startswith("id,") and len(sessions) > 1
    results = jsonl((tmp_path / "chargers-results.jsonl").read_text(encoding="utf-8"))
    assert len(results) == 40 and {r["status"] for r in results} == {"created", "failed"}


# --- listing ---------------------------------------------------------------------------------


def test_chargers_list_jsonl(fake: FakeEpicServer, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(fake, "chargers", "list", "--format", "jsonl") == 0
    captured = capsys.readouterr()
    records = jsonl(captured.out)
    assert len(records) == 30
    assert {r["id"] for r in records} == set(fake.store.chargers)
    assert all(isinstance(r["status"]["key"], str) for r in records)
    assert captured.err == ""  # no progress bar when stderr is not a terminal


def test_chargers_list_csv_to_file(
    fake: FakeEpicServer, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    out = tmp_path / "chargers.csv"
    assert run(fake, "chargers", "list", "--format", "csv", "--output", str(out)) == 0
    assert capsys.readouterr().out == ""
    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8"))))
    assert len(rows) == 30
    assert rows[0]["status"] in {"AVAILABLE", "CHARGING", "DISABLED", "FAULTED", "OFFLINE"} | {
        "RESERVED",
        "STANDBY",
        "UNAVAILABLE",
    }


def test_table_and_filters_and_get(
    fake: FakeEpicServer, capsys: pytest.CaptureFixture[str]
) -> None:
    some = next(iter(fake.store.chargers.values()))
    assert run(fake, "chargers", "list", "--max-items", "5") == 0
    table = capsys.readouterr().out
    assert "charger_point_id" in table and table.count("\n") > 5
    assert run(fake, "chargers", "get", some["id"], "--format", "jsonl") == 0
    [detail] = jsonl(capsys.readouterr().out)
    assert detail["charger_point_id"] == some["charger_point_id"] and "manufacturer" in detail
    assert run(fake, "ports", "list", "--charger", some["id"], "--format", "jsonl") == 0
    ports = jsonl(capsys.readouterr().out)
    assert ports and {p["charger"] for p in ports} == {some["id"]}


def test_reports_locations_users(fake: FakeEpicServer, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(fake, "reports", "sessions", "--format", "csv", "--start-date", "2020-01-01") == 0
    assert capsys.readouterr().out.startswith("id,charger_id,")
    for command in (["locations", "list"], ["users", "list"], ["reports", "charger-status"]):
        assert run(fake, *command, "--format", "jsonl", "--max-items", "3") == 0
        assert 1 <= len(jsonl(capsys.readouterr().out)) <= 3
    assert (
        run(fake, "reports", "faults", "--start-date", "2026-02-01", "--end-date", "2026-01-01")
        == 2
    )
    assert "--start-date (2026-02-01) is after --end-date" in capsys.readouterr().err


@pytest.mark.parametrize("name", list(REPORTS))
def test_every_report_and_its_table_columns(
    fake: FakeEpicServer, capsys: pytest.CaptureFixture[str], name: str
) -> None:
    assert run(fake, "reports", name, "--format", "csv", "--max-items", "2") == 0
    header = capsys.readouterr().out.splitlines()[0].split(",")
    assert set(REPORTS[name][1]) <= set(header)
    assert run(fake, "reports", name, "--max-items", "2") == 0
    assert REPORTS[name][1][0] in capsys.readouterr().out


def test_port_update_and_actions(fake: FakeEpicServer, capsys: pytest.CaptureFixture[str]) -> None:
    port_id = next(iter(fake.store.ports))
    code = run(fake, "ports", "update", port_id, "--charging-speed", "7.5", "--format", "jsonl")
    assert code == 0
    assert jsonl(capsys.readouterr().out)[0]["charging_speed"] == 7.5
    assert run(fake, "ports", "start", port_id, "--id-tag", "TAG1") in (0, 1)
    assert port_id in capsys.readouterr().out
    assert run(fake, "ports", "update", port_id) == 2  # nothing to change


# --- import ----------------------------------------------------------------------------------


def test_import_csv_with_bad_rows(
    fake: FakeEpicServer, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    source = write_chargers(
        tmp_path / "chargers.csv",
        [
            charger_line("CLI-1"),
            "CLI-1,,,,,2,CHADEMO,50,50,,",  # a second port of CLI-1 (line 3)
            charger_line("CLI-2", connector="TYPE_9"),  # line 4: bad connector type
            charger_line("CLI-3", manufacturer=""),  # line 5: missing manufacturer
            charger_line("CLI-4"),
            charger_line("CLI-1"),  # line 7: duplicate key in the input
        ],
    )
    results = tmp_path / "results.jsonl"
    assert run(fake, "chargers", "import", str(source), "--results", str(results)) == 1
    err = capsys.readouterr().err
    assert "line 4: CLI-2: ports[0].connector_type" in err
    assert "line 5: CLI-3: manufacturer" in err and "line 7: CLI-1" in err
    outcome = jsonl(results.read_text(encoding="utf-8"))
    assert [(r["line"], r["status"]) for r in outcome] == [
        (2, "created"),
        (4, "failed"),
        (5, "failed"),
        (6, "created"),
        (7, "failed"),
    ]
    ports = [p for p in fake.store.ports.values() if p["charger"] == outcome[0]["id"]]
    assert len(ports) == 2
    assert outcome[1]["errors"]["ports"][0]["connector_type"]


def test_resumed_import_creates_nothing_twice(
    fake: FakeEpicServer, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    lines = [charger_line(f"RES-{i}") for i in range(250)]
    source = write_chargers(tmp_path / "chargers.csv", lines)
    results = tmp_path / "results.jsonl"
    # The second batch is committed but its answer is lost: those rows are "unknown".
    fake.fail_next("commit_then_drop", method="POST", path="chargers")
    fake.fail_next("commit_then_drop", method="POST", path="chargers")
    first = run(
        fake, "chargers", "import", str(source), "--results", str(results), "--concurrency", "1"
    )
    statuses = [r["status"] for r in jsonl(results.read_text(encoding="utf-8"))]
    assert first == 1 and statuses.count("unknown") > 0 and len(statuses) == 250
    # Resume: the results file has unknown rows, so the server's list decides what exists.
    second = run(
        fake, "chargers", "import", str(source), "--results", str(results), "--skip-existing"
    )
    assert second == 0
    final = jsonl(results.read_text(encoding="utf-8"))
    assert [r["status"] for r in final] == ["created"] * 250
    assert len({r["id"] for r in final}) == 250
    # Once more: the complete results file alone says everything exists; nothing is sent.
    before = len(fake.counters.created_ids)
    assert (
        run(fake, "chargers", "import", str(source), "--results", str(results), "--skip-existing")
        == 0
    )
    created_ids = fake.counters.created_ids
    assert len(created_ids) == before == 250 and len(set(created_ids)) == 250
    assert "250 skipped" in capsys.readouterr().err


def test_import_locations_csv_and_users_jsonl(
    fake: FakeEpicServer, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    locations = tmp_path / "locations.csv"
    locations.write_text(
        "custom_id,formatted_address,latitude,longitude,place_id,is_members_only\n"
        "L-1,1 Main St,59.9,10.7,p1,no\n"
        "L-2,2 Main St,123,10.7,p2,yes\n",
        encoding="utf-8",
    )
    assert run(fake, "locations", "import", str(locations)) == 1
    captured = capsys.readouterr()
    assert [r["status"] for r in jsonl(captured.out)] == ["created", "failed"]
    assert "line 3: L-2: location" in captured.err
    users = tmp_path / "users.jsonl"
    rows = [
        {"email": "a@example.com", "role": "driver", "driver": {}, "id_tags": ["T1"]},
        {"email": "not-an-email", "role": "driver", "driver": {}, "id_tags": []},
    ]
    users.write_text("\n".join(json.dumps(r) for r in rows) + "\n", encoding="utf-8")
    assert run(fake, "users", "import", str(users)) == 1
    outcome = jsonl(capsys.readouterr().out)
    assert [r["status"] for r in outcome] == ["created", "failed"] and outcome[0]["id"]


def test_import_ports_as_a_json_column(
    fake: FakeEpicServer, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    source = tmp_path / "chargers.csv"
    ports = '"[{""connector_id"": 1, ""connector_type"": ""TYPE_2"", ""max_current"": 32, ""current"": 32}]"'
    source.write_text(
        "charger_point_id,manufacturer,model,rfid_required,current_type,number_phases,ports\n"
        f"J-1,epic_ocpp,epic_home,no,AC,3,{ports}\n",
        encoding="utf-8",
    )
    assert run(fake, "chargers", "import", str(source)) == 0
    [outcome] = jsonl(capsys.readouterr().out)
    detail = fake.store.chargers[outcome["id"]]
    assert detail["rfid_required"] is False and detail["number_phases"] == 3


# --- errors and exit codes ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "argv",
    [
        [],
        ["chargers"],
        ["chargers", "list", "--format", "xml"],
        ["nope"],
        ["demo", "--size", "0"],
        ["chargers", "import", "missing.csv"],
    ],
)
def test_usage_errors_exit_2(
    fake: FakeEpicServer, capsys: pytest.CaptureFixture[str], argv: list[str]
) -> None:
    assert run(fake, *argv) == 2
    assert "Traceback" not in capsys.readouterr().err


def test_missing_key_is_a_usage_error(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("EPIC_API_KEY", raising=False)
    assert main(["--base-url", "http://127.0.0.1:9/api/", "chargers", "list"]) == 2
    assert "EPIC_API_KEY" in capsys.readouterr().err


def test_bad_key_exits_3_with_one_line(
    fake: FakeEpicServer, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("EPIC_API_KEY", "wrong-secret-key")
    assert run(fake, "chargers", "list") == 3
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert "wrong-secret-key" not in err


def test_api_key_file(
    fake: FakeEpicServer,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    key_file = tmp_path / "key"
    key_file.write_text(fake.api_key + "\n", encoding="utf-8")
    monkeypatch.delenv("EPIC_API_KEY")
    argv = ["chargers", "list", "--api-key-file", str(key_file), "--format", "jsonl"]
    assert run(fake, *argv, "--max-items", "2") == 0
    assert len(jsonl(capsys.readouterr().out)) == 2


def test_subprocess_end_to_end(fake: FakeEpicServer) -> None:
    env = {**os.environ, "EPIC_API_KEY": fake.api_key}
    argv = ["--base-url", fake.base_url, "chargers", "list", "--format", "jsonl"]
    done = subprocess.run(
        [sys.executable, "-m", "epic_async.cli", *argv],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert len(jsonl(done.stdout)) == 30 and done.stderr == ""
    env["EPIC_API_KEY"] = "bad"
    done = subprocess.run(
        [sys.executable, "-m", "epic_async.cli", *argv],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 3 and len(done.stderr.strip().splitlines()) == 1
