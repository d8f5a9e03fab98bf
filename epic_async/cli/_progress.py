"""Progress bars on stderr: silent when stderr is not a terminal or with ``--quiet``."""

from __future__ import annotations

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskProgressColumn,
    TextColumn,
    TimeElapsedColumn,
)

__all__ = ["make_progress", "stderr_console"]

stderr_console = Console(stderr=True)


def make_progress(*, quiet: bool) -> Progress:
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TaskProgressColumn(),
        TimeElapsedColumn(),
        console=stderr_console,
        disable=quiet or not stderr_console.is_terminal,
        transient=False,
    )
