"""What a refused bulk POST means, in every shape DRF and the proxies in front of it say it (pure).

The bodies are DRF 3.18's real answers (pinned against the real DRF app in
``tests/test_drf_server.py::test_drf_3_18_bulk_error_shapes``) and their variants: the list form,
another ``NON_FIELD_ERRORS_KEY``, a proxy's 413 page or no body at all.
"""

from __future__ import annotations

from typing import Any

import pytest

from epic_async._bulk_answers import Verdict, classify, normalise_errors, size_cap
from epic_async.testing._bulk_view import PROXY_413

TOO_MANY = "Ensure this field has no more than 50 elements."
TYPE_9 = '"TYPE_9" is not a valid choice.'
AC_CURRENT = "This field is required for an AC connector."
TAKEN = "charger with this charger point id already exists."


def payloads(size: int) -> list[dict[str, Any]]:
    """Body entries as sent: row 1 has two ports, the others one."""
    one = {"ports": [{"connector_id": 1}]}
    two = {"ports": [{"connector_id": 1}, {"connector_id": 2}]}
    return [two if i == 1 else one for i in range(size)]


@pytest.mark.parametrize(
    ("status", "body"),
    [
        (400, {"chargers": {"non_field_errors": [TOO_MANY]}}),  # DRF 3.18, ListSerializer
        (400, {"chargers": {"errors": [TOO_MANY]}}),  # NON_FIELD_ERRORS_KEY = "errors"
        (400, {"chargers": [TOO_MANY]}),  # ListField(max_length=50)
        (400, {"non_field_errors": [TOO_MANY]}),  # a check in the view
        (400, {"errors": [TOO_MANY]}),
        (400, [TOO_MANY]),  # ValidationError([...]) raised as is
    ],
    ids=["key-non-field", "key-custom-key", "key-list", "top", "top-custom-key", "bare-list"],
)
def test_too_large_in_every_drf_shape_names_the_cap(status: int, body: Any) -> None:
    answer = classify(status, body, "chargers", payloads(100))
    assert answer.verdict is Verdict.TOO_LARGE
    assert answer.cap == 50
    assert answer.raw == body


@pytest.mark.parametrize(
    "body",
    [PROXY_413, None, "", {"detail": "Request entity too large."}],
    ids=["nginx-html", "no-body", "empty-text", "json-detail"],
)
def test_a_413_is_too_large_whatever_its_body(body: Any) -> None:
    answer = classify(413, body, "chargers", payloads(100))
    assert answer.verdict is Verdict.TOO_LARGE
    assert answer.cap is None  # learned by halving


def test_a_batch_level_error_under_the_list_key_is_too_large_in_any_language() -> None:
    """Not English, and not ``non_field_errors``: a dict under the list's key whose keys are not
    item indexes can only be about the (well-formed, non-empty) list itself."""
    body = {"chargers": {"fehler": ["Stellen Sie sicher, dass es nicht mehr als 50 Elemente hat."]}}
    answer = classify(400, body, "chargers", payloads(100))
    assert answer.verdict is Verdict.TOO_LARGE and answer.cap == 50


def test_a_rows_string_length_message_is_not_a_batch_too_large() -> None:
    """ "Ensure this field has no more than 100 characters." inside a row is that row's error."""
    body = {"chargers": {"3": {"model": ["Ensure this field has no more than 100 characters."]}}}
    answer = classify(400, body, "chargers", payloads(5))
    assert answer.verdict is Verdict.ITEM_ERRORS
    assert list(answer.items) == [3]
    assert size_cap(["Ensure this field has no more than 100 characters."], 200) == (False, None)


def test_per_item_errors_in_drf_3_18_dict_form_nested_ports_too() -> None:
    """DRF 3.18's real answer for bad rows 1 and 7 (dicts keyed by index, nested too)."""
    body = {
        "chargers": {
            "1": {"ports": {"0": {"connector_type": [TYPE_9]}, "1": {"current": [AC_CURRENT]}}},
            "7": {"charger_point_id": [TAKEN]},
        }
    }
    answer = classify(400, body, "chargers", payloads(10))
    assert answer.verdict is Verdict.ITEM_ERRORS
    assert set(answer.items) == {1, 7}
    row = answer.items[1]
    assert row.errors == {"ports": [{"connector_type": [TYPE_9]}, {"current": [AC_CURRENT]}]}
    assert row.errors["ports"][1]["current"] == [AC_CURRENT]
    assert row.raw == body["chargers"]["1"]  # the server's own answer for the row, untouched
    assert answer.items[7].errors == {"charger_point_id": [TAKEN]}


def test_per_item_errors_in_the_list_form_read_the_same() -> None:
    """``LIST_SERIALIZER_ERRORS_AS_DICT = False``: lists aligned with the input, nested too."""
    rows: list[Any] = [{} for _ in range(10)]
    rows[1] = {"ports": [{"connector_type": [TYPE_9]}, {"current": [AC_CURRENT]}]}
    rows[7] = {"charger_point_id": [TAKEN]}
    as_dict = {
        "chargers": {
            "1": {"ports": {"0": {"connector_type": [TYPE_9]}, "1": {"current": [AC_CURRENT]}}},
            "7": {"charger_point_id": [TAKEN]},
        }
    }
    listed = classify(400, {"chargers": rows}, "chargers", payloads(10))
    keyed = classify(400, as_dict, "chargers", payloads(10))
    assert {i: e.errors for i, e in listed.items.items()} == {
        i: e.errors for i, e in keyed.items.items()
    }
    assert listed.items[1].raw == rows[1]


def test_a_nested_per_index_dict_is_aligned_with_the_rows_input() -> None:
    """Only port 2 of three is named: the normalised list has ``{}`` for the fine ones, and as
    many entries as the row sent ports."""
    payload = {"ports": [{"connector_id": 1}, {"connector_id": 2}, {"connector_id": 3}]}
    errors = normalise_errors({"ports": {"1": {"current": [AC_CURRENT]}}}, payload)
    assert errors == {"ports": [{}, {"current": [AC_CURRENT]}, {}]}
    # A list field's own per-index errors (DRF's ListField): ``[]`` where an item is fine.
    assert normalise_errors({"id_tags": {"1": ["Not a valid string."]}}, {"id_tags": ["a", 2]}) == {
        "id_tags": [[], ["Not a valid string."]]
    }


@pytest.mark.parametrize(
    "body",
    [
        {"detail": "Location matching query does not exist."},
        {"non_field_errors": ["Some rule of the whole batch."]},
        {"chargers": [{}, {}, {}]},  # per-item form that names nobody
        "Bad Request",
    ],
    ids=["detail", "non-field", "empty-items", "text"],
)
def test_an_answer_that_names_no_row_refuses_the_batch_whole(body: Any) -> None:
    answer = classify(400, body, "chargers", payloads(3))
    assert answer.verdict is Verdict.REFUSED
    assert answer.raw == body
    assert all(isinstance(v, list) for v in answer.errors.values())  # one form: lists of messages


def test_indexes_beyond_the_batch_are_not_read_as_rows() -> None:
    body = {"chargers": {"12": {"model": ["This field is required."]}}}
    assert classify(400, body, "chargers", payloads(3)).verdict is not Verdict.ITEM_ERRORS
