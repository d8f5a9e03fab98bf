from __future__ import annotations

import pytest

from epic_async import (
    APIStatusError,
    AuthenticationError,
    BadRequestError,
    EpicConnectionError,
    EpicError,
    EpicTimeoutError,
    NotFoundError,
    RateLimitError,
    ServerError,
)
from epic_async._errors import error_for_status


@pytest.mark.parametrize(
    ("status", "cls"),
    [(400, BadRequestError), (401, AuthenticationError), (404, NotFoundError),
     (429, RateLimitError), (500, ServerError), (503, ServerError), (418, APIStatusError)],
)  # fmt: skip
def test_status_maps_to_the_tree(status: int, cls: type[APIStatusError]) -> None:
    error = error_for_status(status=status, method="GET", url="https://x/y/", body={"detail": "d"})
    assert type(error) is cls
    assert isinstance(error, EpicError)
    assert str(error) == f"GET https://x/y/ -> {status}: d"


def test_bad_request_exposes_field_errors_and_summarises_them() -> None:
    body = {"charging_speed": ["Ensure this value is less than or equal to 22."]}
    error = error_for_status(status=400, method="PATCH", url="u", body=body, request_id="r1")
    assert isinstance(error, BadRequestError)
    assert error.field_errors == body
    assert (
        str(error)
        == "PATCH u -> 400: charging_speed: Ensure this value is less than or equal to 22. [request id r1]"
    )


def test_html_error_pages_become_one_trimmed_line() -> None:
    html = "<html>\n<body>\n<h1>502 Bad Gateway</h1>" + "x" * 1000 + "</body></html>"
    error = error_for_status(status=502, method="GET", url="u", body=html)
    assert "\n" not in str(error) and len(str(error)) < 400
    assert error.body == html  # the raw body is kept whole


def test_timeout_is_also_a_builtin_timeout() -> None:
    assert issubclass(EpicTimeoutError, TimeoutError)
    assert issubclass(EpicTimeoutError, EpicConnectionError)


def test_rate_limit_error_carries_retry_after() -> None:
    error = error_for_status(status=429, method="GET", url="u", body=None, retry_after=2.0)
    assert isinstance(error, RateLimitError)
    assert error.retry_after == 2.0
    assert str(error) == "GET u -> 429: (empty body)"


def test_errors_survive_pickling_across_processes() -> None:
    import pickle

    from epic_async import BulkCreateError, BulkResult, PaginationError, RateLimitError

    errors: list[Exception] = [
        RateLimitError("slow down", retry_after=2.0, status=429, method="GET", url="u", body={}),
        PaginationError("gap", missing_offsets=[100, 200]),
        BulkCreateError("1 failed", result=BulkResult()),
    ]
    for error in errors:
        copy = pickle.loads(pickle.dumps(error))
        assert type(copy) is type(error) and str(copy) == str(error)
        assert vars(copy).keys() == vars(error).keys()
    assert pickle.loads(pickle.dumps(errors[0])).retry_after == 2.0
