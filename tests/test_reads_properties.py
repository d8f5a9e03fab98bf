"""Properties of reads, for any JSON value in any field of any read model (Hypothesis).

- Tolerant (the default): a model comes back, or a ``ResponseValidationError`` when the value
  took the place of the record's identity; nothing else is ever raised.
- Strict: a model or a ``ResponseValidationError``; nothing else.
- A model written back as JSON (``unstructure``) reads as the same model.
"""

from __future__ import annotations

import typing
from datetime import datetime
from enum import Enum
from typing import Any

import attrs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from epic_async import ResponseValidationError
from epic_async import models as models_module
from epic_async._codec import dumps, loads
from epic_async._reads import Reader, _fast_hook, identity_field, tolerant_model, unstructure
from epic_async._typeinfo import fixed_tuple, is_read_model, open_enum, sequence_item, without_none

READ_MODELS = sorted(
    (
        cls
        for cls in vars(models_module).values()
        if is_read_model(cls) and cls is not models_module.ReadModel
    ),
    key=lambda cls: cls.__name__,
)

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**63), max_value=2**63 - 1)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=12)
    | st.sampled_from(["AVAILABLE", "21.5", "2026-01-02T03:04:05Z", "2026-01-02T03:04:05", "Paid"]),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3)
    ),
    max_leaves=8,
)


def sample(tp: Any) -> Any:
    """A JSON value that fits ``tp`` as the API would send it."""
    inner, _ = without_none(tp)
    enum_cls = open_enum(inner)
    if enum_cls is not None:
        return next(iter(enum_cls)).value
    if is_read_model(inner):
        return sample_record(inner)
    item = sequence_item(inner)
    if item is not None:
        return [sample(item)]
    args = fixed_tuple(inner)
    if args is not None:
        return [sample(a) for a in args]
    if isinstance(inner, type) and issubclass(inner, Enum):
        return next(iter(inner)).value
    simple: dict[Any, Any] = {
        str: "x",
        int: 1,
        float: 1.5,
        bool: True,
        datetime: "2026-01-02T03:04:05+00:00",
    }
    return simple[inner]


def sample_record(cls: type[Any]) -> dict[str, Any]:
    hints = typing.get_type_hints(cls)
    return {a.name: sample(hints[a.name]) for a in attrs.fields(cls) if a.name != "extra"}


def field_names(cls: type[Any]) -> list[str]:
    return [a.name for a in attrs.fields(cls) if a.name != "extra"]


cases = st.sampled_from(READ_MODELS).flatmap(
    lambda cls: st.tuples(
        st.just(cls), st.sampled_from([*field_names(cls), "brand_new_key"]), json_values
    )
)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cases)
def test_any_json_value_in_any_field_reads_or_raises_our_error(
    case: tuple[type[Any], str, Any],
) -> None:
    cls, name, value = case
    record = {**sample_record(cls), name: value}
    tolerant: Any = None
    try:
        tolerant = Reader().structure(record, cls)
    except ResponseValidationError:
        identity = identity_field(cls)
        assert name == identity, f"only a bad identity may fail a tolerant read, not {name}"
    else:
        assert isinstance(tolerant, cls)
        assert loads(dumps(unstructure(tolerant)))  # what was read can always be written back
    try:
        strict = Reader(strict=True).structure(record, cls)
    except ResponseValidationError as exc:
        assert exc.messages  # noqa: PT017 - every offending path is listed
    else:
        assert strict == tolerant and strict.extra is None  # strict passes only what fits


@settings(max_examples=300, deadline=None)
@given(cases)
def test_a_model_written_back_as_json_reads_as_the_same_model(
    case: tuple[type[Any], str, Any],
) -> None:
    cls, name, value = case
    if name == identity_field(cls):
        return
    model = Reader().structure({**sample_record(cls), name: value}, cls)
    assert Reader().structure(loads(dumps(unstructure(model))), cls) == model


@pytest.mark.parametrize("cls", READ_MODELS, ids=lambda cls: cls.__name__)
def test_a_fitting_record_reads_the_same_in_both_modes_with_nothing_extra(cls: type[Any]) -> None:
    record = sample_record(cls)
    tolerant = Reader().structure(record, cls)
    assert tolerant == Reader(strict=True).structure(record, cls)
    assert tolerant.extra is None


drops = st.sampled_from(READ_MODELS).flatmap(
    lambda cls: st.tuples(
        st.just(cls),
        st.sampled_from([*field_names(cls), "brand_new_key"]),
        json_values,
        st.sets(st.sampled_from(field_names(cls))),
    )
)


@settings(max_examples=400, deadline=None)
@given(drops)
def test_the_fast_path_builds_what_the_tolerant_path_builds(
    case: tuple[type[Any], str, Any, set[str]],
) -> None:
    """Whatever the generated fast path accepts (every field present, or some missing), the
    field-by-field path reads as an equal model: the speed changes nothing users can see."""
    cls, name, value, dropped = case
    record = {**sample_record(cls), name: value}
    for field in dropped - {identity_field(cls)}:
        record.pop(field, None)
    try:
        fast = _fast_hook(cls)(record, cls)
    except Exception:
        return  # refused: the tolerant path alone decides (the other properties cover it)
    issues: list[Any] = []
    assert fast == tolerant_model(record, cls, "$", issues)
    assert fast.extra is None and not [i for i in issues if i.kind != "coerced"]
