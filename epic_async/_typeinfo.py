"""What the read path needs to know about a field's type (pure, cached by the callers)."""

from __future__ import annotations

import types
import typing
from enum import Enum
from typing import Any

from .models import ReadModel

__all__ = ["fixed_tuple", "is_read_model", "open_enum", "sequence_item", "without_none"]


def _union_args(tp: Any) -> tuple[Any, ...] | None:
    if typing.get_origin(tp) in (typing.Union, types.UnionType):
        return typing.get_args(tp)
    return None


def without_none(tp: Any) -> tuple[Any, bool]:
    """``X | None`` → (X, True); anything else → (tp, False)."""
    args = _union_args(tp)
    if args is None or type(None) not in args:
        return tp, False
    rest = tuple(a for a in args if a is not type(None))
    return (rest[0] if len(rest) == 1 else typing.Union[rest]), True  # noqa: UP007


def open_enum(tp: Any) -> type[Enum] | None:
    """``SomeEnum | str`` → ``SomeEnum`` (an enum that may grow); anything else → None."""
    args = _union_args(tp)
    if args is None or len(args) != 2 or str not in args:
        return None
    other = args[0] if args[1] is str else args[1]
    return other if isinstance(other, type) and issubclass(other, Enum) else None


def is_read_model(tp: Any) -> bool:
    return isinstance(tp, type) and issubclass(tp, ReadModel)


def sequence_item(tp: Any) -> Any:
    """``tuple[X, ...]`` or ``list[X]`` → X; anything else → None."""
    origin = typing.get_origin(tp)
    args = typing.get_args(tp)
    if origin is list and len(args) == 1:
        return args[0]
    if origin is tuple and len(args) == 2 and args[1] is Ellipsis:
        return args[0]
    return None


def fixed_tuple(tp: Any) -> tuple[Any, ...] | None:
    """``tuple[A, B]`` → (A, B); anything else (``tuple[A, ...]`` included) → None."""
    if typing.get_origin(tp) is tuple:
        args = typing.get_args(tp)
        if args and Ellipsis not in args:
            return args
    return None
