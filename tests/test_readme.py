"""Every Python block of README.md runs, against the simulator: documentation that cannot rot.

Each block runs as the script a reader would paste into a file (``__name__ == "__main__"``, a
fresh namespace, no event loop already running), with ``EPIC_API_KEY`` and ``EPIC_BASE_URL``
pointing at a simulator, in a directory holding the files the blocks read, and ``EPIC_REDIS_URL``
at a throwaway redis-server. A block that defines ``test_*`` functions (the pytest example) has
them called, as pytest would with ``asyncio_mode = "auto"``.
"""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sybil import Example, Sybil
from sybil.evaluators.python import pad
from sybil.parsers.markdown import CodeBlockParser

from epic_async.testing import FakeEpicServer
from epic_async.testing.rows import charger_rows

from .conftest import point_env_at

README = Path(__file__).resolve().parent.parent / "README.md"


def run_as_a_script(example: Example) -> None:
    namespace: dict[str, Any] = {"__name__": "__main__"}
    source = pad(example.parsed, example.line + example.parsed.line_offset)
    exec(
        compile(source, str(README), "exec", dont_inherit=True), namespace
    )  # the README's own code
    for name, value in namespace.items():
        if name.startswith("test_") and inspect.isfunction(value):
            outcome = value()
            if inspect.iscoroutine(outcome):
                asyncio.run(outcome)


EXAMPLES = list(
    Sybil([CodeBlockParser(language="python", evaluator=run_as_a_script)]).parse(README)
)


@pytest.fixture
def tenant(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[FakeEpicServer]:
    """The simulator as the reader's tenant, and a working directory with the files blocks read."""
    write_chargers_csv(tmp_path / "chargers.csv", count=40)
    monkeypatch.chdir(tmp_path)
    with FakeEpicServer(chargers=60, seed=8).run_in_thread() as fake:
        point_env_at(monkeypatch, fake)
        yield fake


def write_chargers_csv(path: Path, *, count: int) -> None:
    """A CSV of new chargers, one port per line, as the README's import examples read it."""
    lines = [
        "charger_point_id,manufacturer,model,rfid_required,port_connector_id,"
        "port_connector_type,port_max_power,port_power"
    ]
    for row in charger_rows(count, prefix="README"):
        port = row["ports"][0]
        lines.append(
            f"{row['charger_point_id']},{row['manufacturer']},{row['model']},"
            f"{str(row['rfid_required']).lower()},{port['connector_id']},{port['connector_type']},"
            f"{port.get('max_power', 22)},{port.get('power', 22)}"
        )
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def test_the_readme_has_python_blocks() -> None:
    assert len(EXAMPLES) >= 8


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda example: f"README.md:{example.line}")
def test_the_readme_block_runs(
    example: Example, tenant: FakeEpicServer, request: pytest.FixtureRequest
) -> None:
    if "EPIC_REDIS_URL" in example.parsed:
        request.getfixturevalue("redis_url")
    example.evaluate()
