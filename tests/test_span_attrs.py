"""What spans say, decided by pure functions: url.full redaction, server, error.type, results."""

from __future__ import annotations

import pytest

from epic_async import BulkFailure, BulkResult, BulkUnknown, EpicTimeoutError
from epic_async._span_attrs import error_type, redact_url, result_attributes, server_of


@pytest.mark.parametrize(
    ("url", "params", "expected"),
    [
        # reconcile looks users up by e-mail: the value never reaches a span
        (
            "https://t.example/v1/user/",
            {"email": "ann@example.com", "limit": "100", "offset": "0"},
            "https://t.example/v1/user/?email=REDACTED&limit=100&offset=0",
        ),
        # a `next` link carries its query in the URL; credentials in the URL are dropped
        (
            "https://me:secret@t.example/v1/charger/?search=Main%20St&limit=50&offset=100",
            None,
            "https://t.example/v1/charger/?search=REDACTED&limit=50&offset=100",
        ),
        # repeated and blank values, keys that need quoting
        (
            "http://[::1]:8080/v1/x/?a=1&a=2&b=",
            {"a b": "c"},
            "http://[::1]:8080/v1/x/?a=REDACTED&a=REDACTED&b=REDACTED&a%20b=REDACTED",
        ),
        ("https://t.example/v1/charger/42/", {}, "https://t.example/v1/charger/42/"),
    ],
)
def test_url_full_keeps_only_paging_values(
    url: str, params: dict[str, str] | None, expected: str
) -> None:
    assert redact_url(url, params) == expected


def test_server_of_fills_in_the_schemes_port() -> None:
    assert server_of("http://127.0.0.1:8000/v1/") == ("127.0.0.1", 8000)
    assert server_of("http://t.example/v1/") == ("t.example", 80)
    assert server_of("https://t.example/v1/") == ("t.example", 443)


def test_error_type_names_the_class_publicly() -> None:
    assert error_type(EpicTimeoutError("GET x: timed out")) == "epic_async.EpicTimeoutError"
    assert error_type(ConnectionResetError()) == "ConnectionResetError"

    class Local(Exception):
        pass

    assert error_type(Local()).endswith("test_error_type_names_the_class_publicly.<locals>.Local")


def test_result_attributes_count_bulk_rows_and_found_records() -> None:
    result: BulkResult[object] = BulkResult(
        created=[object(), object()],
        created_indexes=[0, 2],
        failed=[BulkFailure(1, {}, {"name": ["required"]})],
        unknown=[BulkUnknown(3, {}, "answer lost")],
    )
    assert result_attributes(result) == {
        "epic_async.rows.created": 2,
        "epic_async.rows.failed": 1,
        "epic_async.rows.unknown": 1,
    }
    assert result_attributes([None, None]) == {"epic_async.records": 0}
    assert result_attributes(object()) == {}
