"""The fast path of reads: one generated structuring function per read model, used as its cattrs
hook.

Listing is structuring-bound (a page of 100 chargers is ~1,000 model fields), so the generated
code does for each field only what the field needs:

- a value of exactly the modelled JSON type (the common case) is taken as it is; anything else
  calls the field's cattrs hook, which coerces it or raises;
- a key the model does not know raises too, so that the tolerant path can keep it in ``extra``;
- ``{key, value}`` status objects repeat endlessly across a fleet and are immutable, so equal ones
  are one shared instance, looked up inline instead of built again;
- the instance is made with ``object.__new__`` and its slots are filled through their
  descriptors: the same object attrs' ``__init__`` would build (read models have no validators
  or converters), at half the cost of a keyword call that sets each field by name.

>>> from epic_async.models import PortStatusInfo
>>> from epic_async._reads import structure
>>> a = structure({"key": "CHARGING", "value": "Charging"}, PortStatusInfo)
>>> a is structure({"key": "CHARGING", "value": "Charging"}, PortStatusInfo)
True
"""

from __future__ import annotations

import typing
from collections.abc import Callable
from datetime import datetime
from typing import Any

import attrs

from ._typeinfo import is_read_model, open_enum, sequence_item, without_none

__all__ = ["UnknownKeysError", "make_read_function"]

Hook = Callable[[Any, Any], Any]
GetHook = Callable[[Any], Hook]

_EXACT = (str, int, float, bool)
#: Distinct {key, value} objects kept per model: statuses and connector types are a few dozen.
_SHARED_LIMIT = 4096
_MISSING = object()
#: The shared {key, value} instances of each such model, by (key, value).
_SHARED: dict[type, dict[tuple[Any, Any], Any]] = {}


class UnknownKeysError(KeyError):
    """A record has keys its model does not know: the tolerant path keeps them in ``extra``."""


def is_key_value(cls: Any) -> bool:
    """A ``{key, value}`` object model (statuses, connector types)."""
    return is_read_model(cls) and {a.name for a in attrs.fields(cls)} == {"extra", "key", "value"}


def make_read_function(
    cls: type[Any], get_hook: GetHook, aware: Callable[[datetime], datetime]
) -> Hook:
    """The generated structuring function of read model ``cls``; ``get_hook`` gives the cattrs
    hook of a field type, ``aware`` makes a naive datetime timezone-aware."""
    partial = _generate_partial(cls, get_hook)
    if is_key_value(cls):
        return _sharing(cls, partial, get_hook)
    return _Emitter(get_hook, aware).function(cls, partial)


class _Emitter:
    """Writes the code of a model whose record has every field (what DRF serializers send):
    fields read by subscript, nested models inline, statuses and enum values looked up in
    memos. A record with fields missing goes to the model's partial function instead."""

    def __init__(self, get_hook: GetHook, aware: Callable[[datetime], datetime]) -> None:
        self.get_hook = get_hook
        self.aware = aware
        self.globs: dict[str, Any] = {
            "__new": object.__new__,
            "__Unknown": UnknownKeysError,
            "__dict": dict,
            "__list": list,
        }
        self.count = 0

    def fresh(self, stem: str) -> str:
        self.count += 1
        return f"__{stem}{self.count}"

    def bind(self, stem: str, value: Any) -> str:
        name = self.fresh(stem)
        self.globs[name] = value
        return name

    def function(self, cls: type[Any], partial: Hook) -> Hook:
        body = self.model(cls, "o", "made", "    ", partial)
        source = "\n".join(["def read(o, _):", *body, "    return made"])
        namespace: dict[str, Any] = {}
        exec(
            compile(source, f"<epic_async read {cls.__name__}>", "exec"), self.globs, namespace
        )  # code generated from model fields only
        function: Hook = namespace["read"]
        return function

    def model(self, cls: type[Any], src: str, dst: str, ind: str, partial: Hook) -> list[str]:
        hints = typing.get_type_hints(cls)
        fields = [a for a in attrs.fields(cls) if a.name != "extra"]
        # Exactly as many keys as fields, and each field found by subscript (a missing one raises
        # KeyError, and the record takes the tolerant path): then there is no unknown key.
        lines = [f"{ind}if {src}.__class__ is __dict and len({src}) == {len(fields)}:"]
        inner_ind = ind + "    "
        values = []
        for field in fields:
            value = self.fresh("v")[2:]
            values.append((field.name, value))
            lines.append(f"{inner_ind}{value} = {src}[{field.name!r}]")
            lines.extend(self.convert(value, hints[field.name], inner_ind))
        cls_name = self.bind("cls", cls)
        lines.append(f"{inner_ind}{dst} = __new({cls_name})")
        lines.append(f"{inner_ind}{self.bind('set', getattr(cls, 'extra').__set__)}({dst}, None)")  # noqa: B009
        for name, value in values:
            setter = self.bind("set", getattr(cls, name).__set__)
            lines.append(f"{inner_ind}{setter}({dst}, {value})")
        lines.append(f"{ind}else:")
        lines.append(f"{inner_ind}{dst} = {self.bind('partial', partial)}({src}, None)")
        return lines

    def convert(self, value: str, tp: Any, ind: str) -> list[str]:
        inner, nullable = without_none(tp)
        hook = self.bind("h", self.get_hook(inner))
        kind = self.bind("t", inner)
        call = f"{hook}({value}, {kind})"
        if inner in _EXACT:
            exact = self.bind("e", inner)
            none_ok = f"{value} is not None and " if nullable else ""
            return [f"{ind}if {none_ok}{value}.__class__ is not {exact}: {value} = {call}"]
        body: list[str]
        item = sequence_item(inner)
        if is_key_value(inner):
            shared = self.bind("c", _SHARED.setdefault(inner, {}))
            body = [
                f"if {value}.__class__ is __dict and len({value}) == 2:",
                f"    try: {value} = {shared}[({value}['key'], {value}['value'])]",
                f"    except (KeyError, TypeError): {value} = {call}",
                f"else: {value} = {call}",
            ]
        elif inner is datetime:
            # ISO 8601 strings parsed inline; a naive one is read as UTC (and reported) by `aware`.
            parse, aware = self.bind("iso", datetime.fromisoformat), self.bind("aware", self.aware)
            body = [
                f"{value} = {parse}({value}) if {value}.__class__ is str else {call}",
                f"if {value}.tzinfo is None: {value} = {aware}({value})",
            ]
        elif open_enum(inner) is not None:
            memo = self.bind("memo", _Memo(self.get_hook(inner), inner))
            body = [f"{value} = {memo}.table.get({value}) or {memo}({value})"]
        elif item is not None and is_read_model(item) and not is_key_value(item):
            accumulated, element, made = (
                self.fresh("acc")[2:],
                self.fresh("el")[2:],
                self.fresh("m")[2:],
            )
            item_partial = _generate_partial(item, self.get_hook)
            body = [
                f"if {value}.__class__ is not __list: raise TypeError('expected a list')",
                f"{accumulated} = []",
                f"for {element} in {value}:",
                *self.model(item, element, made, "    ", item_partial),
                f"    {accumulated}.append({made})",
                f"{value} = {self.bind('seq', typing.get_origin(inner))}({accumulated})",
            ]
        else:
            body = [f"{value} = {call}"]
        if nullable:
            return [f"{ind}if {value} is not None:", *(f"{ind}    {line}" for line in body)]
        return [f"{ind}{line}" for line in body]


class _Memo:
    """What an open enum's hook made of each string it was given: the member, or the raw string
    when the value is new (deterministic, so remembering it is safe)."""

    __slots__ = ("hook", "table", "tp")

    def __init__(self, hook: Hook, tp: Any) -> None:
        self.hook, self.tp = hook, tp
        self.table: dict[Any, Any] = {}

    def __call__(self, value: Any) -> Any:
        made = self.hook(value, self.tp)
        if value.__class__ is str and len(self.table) < _SHARED_LIMIT:
            self.table[value] = made
        return made


def _generate_partial(cls: type[Any], get_hook: GetHook) -> Hook:
    """The fast path for a record that lacks some fields (they take their defaults)."""
    hints = typing.get_type_hints(cls)
    fields = [a for a in attrs.fields(cls) if a.name != "extra"]
    globs: dict[str, Any] = {
        "__cl": cls,
        "__new": object.__new__,
        "__set_extra": getattr(cls, "extra").__set__,  # noqa: B009 - the slot's descriptor
        "__known": frozenset(a.name for a in fields),
        "__MISSING": _MISSING,
        "__Unknown": UnknownKeysError,
    }
    lines = [
        "def read(o, _):",
        "    if not __known.issuperset(o):",
        "        raise __Unknown(sorted(set(o) - __known))",
    ]
    for i, field in enumerate(fields):
        value = f"v{i}"
        inner, nullable = without_none(hints[field.name])
        globs[f"__t{i}"] = inner
        globs[f"__h{i}"] = get_hook(inner)
        globs[f"__set{i}"] = getattr(cls, field.name).__set__
        default = field.default
        if default is attrs.NOTHING:
            lines.append(f"    {value} = o[{field.name!r}]")
            indent = "    "
        elif default is None:
            lines.append(f"    {value} = o.get({field.name!r})")
            indent = "    "
        else:
            lines.append(f"    {value} = o.get({field.name!r}, __MISSING)")
            if isinstance(default, attrs.Factory):  # type: ignore[arg-type]
                globs[f"__d{i}"] = default.factory
                lines.append(f"    if {value} is __MISSING: {value} = __d{i}()")
            else:
                globs[f"__d{i}"] = default
                lines.append(f"    if {value} is __MISSING: {value} = __d{i}")
            lines.append("    else:")
            indent = "        "
        lines.extend(_convert(i, value, inner, nullable, indent, globs, get_hook))
    lines.append("    made = __new(__cl)")
    lines.append("    __set_extra(made, None)")
    lines.extend(f"    __set{i}(made, v{i})" for i in range(len(fields)))
    lines.append("    return made")
    namespace: dict[str, Any] = {}
    source = "\n".join(lines)
    exec(
        compile(source, f"<epic_async read {cls.__name__} (partial)>", "exec"), globs, namespace
    )  # code generated from model fields only
    function: Hook = namespace["read"]
    return function


def _convert(
    i: int,
    value: str,
    inner: Any,
    nullable: bool,
    indent: str,
    globs: dict[str, Any],
    get_hook: GetHook,
) -> list[str]:
    none_ok = f"{value} is not None and " if nullable else ""
    if inner in _EXACT:
        globs[f"__e{i}"] = inner
        return [
            f"{indent}if {none_ok}{value}.__class__ is not __e{i}: {value} = __h{i}({value}, __t{i})"
        ]
    item = sequence_item(inner)
    if item is not None and is_read_model(item):
        globs[f"__i{i}"], globs[f"__it{i}"] = get_hook(item), item
        globs[f"__s{i}"] = typing.get_origin(inner)  # tuple (read models) or list
        guard = f"if {value} is not None:" if nullable else "if True:"
        return [
            f"{indent}{guard}",
            f"{indent}    if {value}.__class__ is not list: raise TypeError('expected a list')",
            f"{indent}    {value} = __s{i}([__i{i}(e, __it{i}) for e in {value}])",
        ]
    guard = f"if {value} is not None: " if nullable else ""
    return [f"{indent}{guard}{value} = __h{i}({value}, __t{i})"]


def _sharing(cls: type[Any], general: Hook, get_hook: GetHook) -> Hook:
    """``{key, value}`` objects: equal ones are one shared instance (they are immutable)."""
    key_type = typing.get_type_hints(cls)["key"]
    key_hook = get_hook(key_type)
    shared = _SHARED.setdefault(cls, {})

    def read_key_value(o: Any, _: Any) -> Any:
        if o.__class__ is dict and len(o) == 2:
            key = o.get("key")
            label = o.get("value")
            if key.__class__ is str and label.__class__ is str:
                found = shared.get((key, label))
                if found is not None:
                    return found
                made = cls(key=key_hook(key, key_type), value=label)
                if len(shared) < _SHARED_LIMIT:
                    shared[(key, label)] = made
                return made
        return general(o, _)

    return read_key_value
