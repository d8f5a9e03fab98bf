"""The repository stands alone: nothing in it points to documents a clone does not have."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUTSIDE = re.compile(r"\b(?:API|DESIGN|BENCHMARKS)\.md\b|\.\./shared\b")


def test_no_file_cites_documents_outside_the_repository() -> None:
    texts = [
        path
        for folder in ("epic_async", "tests", "docs", "benchmarks", "examples")
        for path in (ROOT / folder).rglob("*")
        if path.suffix in {".py", ".md", ".toml", ".txt"} and path != Path(__file__).resolve()
    ]
    texts += [ROOT / "README.md", ROOT / "CHANGELOG.md", ROOT / "pyproject.toml"]
    citing = [
        f"{path.relative_to(ROOT)}:{number}"
        for path in texts
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if OUTSIDE.search(line)
    ]
    assert citing == []
