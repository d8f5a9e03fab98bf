"""The fast path of reads: one generated structuring function per read model, used as its cattrs
hook.

Listing is structuring-bound (a page of 100 chargers is ~1,000 model fields), so the generated
code does for each field only what the field needs: a value of exactly the modelled JSON type
(the common case) is taken as it is, and only anything else calls the field's cattrs hook, which
coerces it or raises. A key the model does not know raises too, so that the tolerant path can keep
it in ``extra``. ``{key, value}`` status objects repeat endlessly across a fleet and are immutable,
so equal ones are shared instead of built again.

>>> from epic_async.models import PortStatusInfo
>>> from epic_async._reads import structure
>>> a = structure({"key": "CHARGING", "value": "Charging"}, PortStatusInfo)
>>> a is structure({"key": "CHARGING", "value": "Charging"}, PortStatusInfo)
True
"""

from __future__ import annotations

import typing
from collections.abc import Callable
from typing import Any

import attrs

from ._typeinfo import is_read_model, sequence_item, without_none

__all__ = ["make_read_function"]

Hook = Callable[[Any, Any], Any]
GetHook = Callable[[Any], Hook]

_EXACT = (str, int, float, bool)
#: Distinct {key, value} objects kept per model: statuses and connector types are a few dozen.
_SHARED_LIMIT = 4096
_MISSING = object()


class UnknownKeysError(KeyError):
    """A record has keys its model does not know: the tolerant path keeps them in ``extra``."""


def make_read_function(cls: type[Any], get_hook: GetHook) -> Hook:
    """The generated structuring function of read model ``cls``; ``get_hook`` gives the cattrs
    hook of a field type."""
    general = _generate(cls, get_hook)
    names = {a.name for a in attrs.fields(cls)}
    if names == {"extra", "key", "value"}:
        return _sharing(cls, general, get_hook)
    return general


def _generate(cls: type[Any], get_hook: GetHook) -> Hook:
    hints = typing.get_type_hints(cls)
    fields = [a for a in attrs.fields(cls) if a.name != "extra"]
    globs: dict[str, Any] = {
        "__cl": cls,
        "__known": frozenset(a.name for a in fields),
        "__MISSING": _MISSING,
        "__Unknown": UnknownKeysError,
    }
    lines = [
        "def read(o, _):",
        "    if o.keys() != __known and not __known.issuperset(o):",
        "        raise __Unknown(sorted(set(o) - __known))",
    ]
    for i, field in enumerate(fields):
        value = f"v{i}"
        inner, nullable = without_none(hints[field.name])
        globs[f"__t{i}"] = inner
        globs[f"__h{i}"] = get_hook(inner)
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
    arguments = ", ".join(f"{f.name}=v{i}" for i, f in enumerate(fields))
    lines.append(f"    return __cl({arguments})")
    namespace: dict[str, Any] = {}
    exec(compile("\n".join(lines), f"<epic_async read {cls.__name__}>", "exec"), globs, namespace)
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
    shared: dict[tuple[str, str], Any] = {}

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
