"""The command line on a newcomer's first day: bad input ends in one line and exit 2, flags are
named as typed, and the small conveniences (``--version``, ``python -m``, formats from file
names, ``get`` for every resource) are there."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from epic_async import __version__
from epic_async.cli import main
from epic_async.testing import FakeEpicServer

from .conftest import point_env_at


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeEpicServer]:
    with FakeEpicServer(chargers=12, seed=9).run_in_thread() as server:
        point_env_at(monkeypatch, server, base_url=False)
        yield server


def run(fake: FakeEpicServer, *argv: str) -> int:
    return main(["--base-url", fake.base_url, "--quiet", *argv])


def one_line(text: str) -> str:
    lines = [line for line in text.splitlines() if line.strip()]
    assert len(lines) == 1, text
    assert "Traceback" not in text
    return lines[0]


@pytest.mark.parametrize("rate", ["inf", "nan", "-1", "fast"])
def test_a_bad_rate_is_one_line_naming_the_flag(
    fake: FakeEpicServer, capsys: pytest.CaptureFixture[str], rate: str
) -> None:
    assert run(fake, "--rate", rate, "chargers", "list") == 2
    assert "--rate" in one_line(capsys.readouterr().err)


def test_parameter_names_become_flag_names(
    fake: FakeEpicServer, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    assert run(fake, "chargers", "list", "--max-items", "-1") == 2
    assert "argument --max-items: expected a whole number >= 1" in one_line(capsys.readouterr().err)
    remote = "http://api.example.com/api/external/v1/"
    assert main(["--base-url", remote, "chargers", "list"]) == 2
    message = one_line(capsys.readouterr().err)
    assert "--allow-insecure-http" in message and "allow_insecure_http" not in message
    assert main(["--tenant", "demo", "--base-url", remote, "chargers", "list"]) == 2
    assert "--tenant" in one_line(capsys.readouterr().err)


def test_a_single_value_flag_given_twice_is_a_usage_error(
    fake: FakeEpicServer, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(fake, "chargers", "list", "--status", "AVAILABLE", "--status", "CHARGING") == 2
    assert "--status: given more than once" in capsys.readouterr().err
    # a repeatable one stays repeatable
    assert run(fake, "ports", "list", "--status", "CHARGING", "--status", "AVAILABLE") == 0


def test_debug_adds_the_traceback_and_keeps_the_exit_code(
    fake: FakeEpicServer, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("EPIC_API_KEY", "wrong-key")
    assert run(fake, "chargers", "list") == 3
    assert "Traceback" not in capsys.readouterr().err
    assert run(fake, "--debug", "chargers", "list") == 3
    assert "Traceback" in capsys.readouterr().err


@pytest.mark.parametrize("resource", ["chargers", "locations", "users"])
def test_get_of_a_missing_id_is_one_line_and_exit_3(
    fake: FakeEpicServer, capsys: pytest.CaptureFixture[str], resource: str
) -> None:
    missing = "00000000-0000-0000-0000-000000000000"
    assert run(fake, resource, "get", missing) == 3
    captured = capsys.readouterr()
    assert captured.out == "" and one_line(captured.err) == f"epic-async: not found: {missing}"


def test_locations_and_users_get(fake: FakeEpicServer, capsys: pytest.CaptureFixture[str]) -> None:
    location = next(iter(fake.store.locations))
    user = next(iter(fake.store.users))
    assert run(fake, "locations", "get", location, "--format", "jsonl") == 0
    assert json.loads(capsys.readouterr().out)["id"] == location
    assert run(fake, "users", "get", user, "--format", "jsonl") == 0
    assert json.loads(capsys.readouterr().out)["uuid"] == user


def test_a_base_url_without_the_api_path_gets_a_hint(
    fake: FakeEpicServer, capsys: pytest.CaptureFixture[str]
) -> None:
    root = fake.base_url.split("/api/external/v1/")[0]
    assert main(["--base-url", root, "chargers", "list"]) == 3
    assert f"try --base-url {root}/api/external/v1/" in one_line(capsys.readouterr().err)


@pytest.mark.parametrize(("name", "kind"), [("out.csv", "csv"), ("out.jsonl", "jsonl")])
def test_the_output_file_s_extension_picks_the_format(
    fake: FakeEpicServer, tmp_path: Path, name: str, kind: str
) -> None:
    target = tmp_path / name
    assert run(fake, "chargers", "list", "-o", str(target)) == 0
    text = target.read_text(encoding="utf-8")
    if kind == "csv":
        assert text.startswith("id,charger_point_id,")
    else:
        assert len([json.loads(line) for line in text.splitlines()]) == 12


def test_demo_out_dir_that_is_a_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    a_file = tmp_path / "taken"
    a_file.write_text("x", encoding="utf-8")
    assert main(["demo", "--size", "5", "--out-dir", str(a_file)]) == 2
    assert "--out-dir" in one_line(capsys.readouterr().err)


def test_serve_refuses_a_port_out_of_range(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["serve", "--port", "99999"]) == 2
    assert "--port" in capsys.readouterr().err


def test_serve_on_a_busy_port_and_on_a_free_one() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        busy = subprocess.run(
            [sys.executable, "-m", "epic_async", "serve", "--port", str(port)],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
            stdin=subprocess.DEVNULL,
        )
    assert busy.returncode == 2
    assert f"--port {port}" in one_line(busy.stderr)
    serving = subprocess.Popen(
        [sys.executable, "-m", "epic_async", "serve", "--port", "0", "--api-key", "k-42"],
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert serving.stderr is not None
        first, second = serving.stderr.readline(), serving.stderr.readline()
        assert "serving the Epic API simulator at http://127.0.0.1:" in first
        assert "Token-Authorization: k-42" in second
    finally:
        serving.send_signal(signal.SIGINT)
        serving.communicate(timeout=30)


def test_version_python_m_and_help_with_defaults(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--version"]) == 0
    assert capsys.readouterr().out.strip() == f"epic-async {__version__}"
    module = subprocess.run(
        [sys.executable, "-m", "epic_async", "--version"],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
        env={**os.environ, "PYTHONWARNINGS": "error"},
    )
    assert module.stdout.strip() == f"epic-async {__version__}"
    assert main(["chargers", "list", "--help"]) == 0
    listing_help = capsys.readouterr().out
    assert "(default: 100)" in listing_help and "(default: 8)" in listing_help
    for command in (["demo"], ["chargers", "import"], ["serve"]):
        assert main([*command, "--help"]) == 0
        shown = capsys.readouterr().out
        assert "``" not in shown, command
    assert main(["chargers", "import", "--help"]) == 0
    import_help = capsys.readouterr().out
    assert "--batch-size BATCH_SIZE" in import_help and "rows per request" in import_help
    assert 'read from the header line: ","' in " ".join(import_help.split())


@pytest.mark.parametrize(
    ("argv", "flag"),
    [
        (["chargers", "import", "rows.csv", "--batch-size", "0"], "--batch-size"),
        (["users", "import", "rows.csv", "--concurrency", "-1"], "--concurrency"),
        (["chargers", "list", "--page-size", "0"], "--page-size"),
        (["reports", "faults", "--concurrency", "x"], "--concurrency"),
        (["demo", "--size", "-5"], "--size"),
        (["demo", "--latency", "nan"], "--latency"),
        (["demo", "--server-rate", "0"], "--server-rate"),
        (["serve", "--chargers", "0"], "--chargers"),
        (["serve", "--latency", "-1"], "--latency"),
        (["serve", "--burst", "0"], "--burst"),
        (["serve", "--rate", "inf"], "--rate"),
    ],
)
def test_counts_and_durations_are_checked_by_flag_before_anything_runs(
    argv: list[str], flag: str, capsys: pytest.CaptureFixture[str]
) -> None:
    # No server, no file: the flag is refused before anything is read or started.
    assert main(argv) == 2
    assert f"argument {flag}: expected" in one_line(capsys.readouterr().err)
