"""The SDK's private conversion functions the micro-measures time, imported defensively.

``epic_async._convert`` may be split into ``_codec`` (JSON bytes), ``_reads`` (structuring API
answers) and ``_writes`` (create models); each function is taken from its new home when that
exists and from ``_convert`` otherwise, so the benchmarks keep running across the split.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any, cast

__all__ = ["loads", "structure", "structure_create", "structure_page", "unstructure_create"]


def _find(name: str, *modules: str) -> Any:
    for module in (*modules, "epic_async._convert"):
        try:
            return getattr(importlib.import_module(module), name)
        except (ImportError, AttributeError):
            continue
    raise ImportError(f"{name} is in none of {(*modules, 'epic_async._convert')}")


structure = cast(Callable[[Any, type[Any]], Any], _find("structure", "epic_async._reads"))
structure_page = cast(Callable[[Any, type[Any]], Any], _find("structure_page", "epic_async._reads"))
loads = cast(Callable[[bytes], Any], _find("loads", "epic_async._codec"))
structure_create = cast(
    Callable[[Any, type[Any]], Any], _find("structure_create", "epic_async._writes")
)
unstructure_create = cast(
    Callable[[Any], dict[str, Any]], _find("unstructure_create", "epic_async._writes")
)
