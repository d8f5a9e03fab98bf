"""How the package installs: one version string, and types visible to tools run from elsewhere."""

from __future__ import annotations

import importlib.metadata
import subprocess
import sys
from pathlib import Path

import epic_async


def test_one_version_string() -> None:
    assert epic_async.__version__ == importlib.metadata.version("epic-async")
    from epic_async import _transport

    assert f"epic-async/{epic_async.__version__} " in _transport._USER_AGENT


def test_type_checkers_outside_the_repository_see_the_types(tmp_path: Path) -> None:
    """The editable install is a plain path entry, not an import hook that mypy cannot follow:
    a misuse of the SDK's types is an error there, not an ``Any`` that lets everything pass."""
    user_code = tmp_path / "service.py"
    user_code.write_text(
        "from epic_async import EpicClient\n\nclient: int = EpicClient(api_key='k', tenant='demo')\n",
        encoding="utf-8",
    )
    checked = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--no-incremental", str(user_code)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert 'expression has type "EpicClient", variable has type "int"' in checked.stdout, (
        checked.stdout + checked.stderr
    )
