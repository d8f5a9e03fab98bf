from __future__ import annotations

import random
from datetime import UTC, datetime

import pytest

from epic_async import RetryBudget
from epic_async._retry import (
    FailureKind,
    RetryPolicy,
    parse_retry_after,
    retry_decision,
    throttle_wait,
)
from epic_async._retry_budget import RetryQuota


@pytest.mark.parametrize(
    ("method", "kind", "status", "retried"),
    [
        ("GET", FailureKind.STATUS, 503, True),
        ("GET", FailureKind.STATUS, 408, True),
        ("GET", FailureKind.STATUS, 429, True),
        ("GET", FailureKind.STATUS, 400, False),
        ("GET", FailureKind.STATUS, 404, False),
        ("GET", FailureKind.MAYBE_SENT, None, True),
        ("POST", FailureKind.STATUS, 429, True),
        ("POST", FailureKind.STATUS, 503, False),
        ("PATCH", FailureKind.STATUS, 500, False),
        ("POST", FailureKind.MAYBE_SENT, None, False),
        ("POST", FailureKind.NOT_SENT, None, True),
        ("PATCH", FailureKind.NOT_SENT, None, True),
    ],
)
def test_only_safe_failures_are_retried(
    method: str, kind: FailureKind, status: int | None, retried: bool
) -> None:
    delay = retry_decision(RetryPolicy(), method=method, attempt=1, kind=kind, status=status)
    assert (delay is not None) is retried


def test_full_jitter_stays_under_the_exponential_cap() -> None:
    policy = RetryPolicy(backoff_initial=0.5, backoff_max=3.0, rng=random.Random(7))
    for attempt, cap in [(1, 0.5), (2, 1.0), (3, 2.0), (4, 3.0), (9, 3.0)]:
        delays = [policy.backoff(attempt) for _ in range(200)]
        assert all(0 <= d <= cap for d in delays)
        assert max(delays) > cap * 0.8  # jitter spans the range, not a constant


def test_attempts_are_bounded() -> None:
    policy = RetryPolicy(max_attempts=3)
    kwargs = {"method": "GET", "kind": FailureKind.STATUS, "status": 503}
    assert retry_decision(policy, attempt=2, **kwargs) is not None  # type: ignore[arg-type]
    assert retry_decision(policy, attempt=3, **kwargs) is None  # type: ignore[arg-type]


def test_retry_after_is_honoured_up_to_the_cap() -> None:
    policy = RetryPolicy(max_retry_after=60)
    kwargs = {"method": "GET", "kind": FailureKind.STATUS, "status": 429, "attempt": 1}
    assert retry_decision(policy, retry_after=7.0, **kwargs) == 7.0  # type: ignore[arg-type]
    assert retry_decision(policy, retry_after=61.0, **kwargs) is None  # type: ignore[arg-type]


def test_parse_retry_after_forms() -> None:
    now = datetime(2026, 11, 24, 12, 0, 0, tzinfo=UTC)
    assert parse_retry_after("3") == 3.0
    assert parse_retry_after("0.25") == 0.25
    assert parse_retry_after("Tue, 24 Nov 2026 12:00:30 GMT", now=now) == 30.0
    assert parse_retry_after("Tue, 24 Nov 2026 11:00:00 GMT", now=now) == 0.0
    assert parse_retry_after("soon") is None
    assert parse_retry_after("nan") is None
    assert parse_retry_after(None) is None
    assert parse_retry_after("-5") == 0.0


@pytest.mark.parametrize("bad", [0, -1, 1.5, True])
def test_policy_rejects_bad_attempts(bad: object) -> None:
    with pytest.raises(ValueError, match="max_attempts"):
        RetryPolicy(max_attempts=bad)  # type: ignore[arg-type]


# --- 429s under a rate limit ---------------------------------------------------------------------


def test_a_throttle_waits_the_retry_after_whatever_the_attempt_count() -> None:
    policy = RetryPolicy(max_attempts=1)
    assert throttle_wait(policy, retry_after=3.0, throttles=50, waited=100.0) == 3.0


def test_a_throttle_without_retry_after_waits_the_backoff_of_its_count() -> None:
    policy = RetryPolicy(backoff_initial=0.5, backoff_max=4.0, rng=random.Random(3))
    for throttles, cap in [(1, 0.5), (2, 1.0), (3, 2.0), (6, 4.0)]:
        waits = [throttle_wait(policy, retry_after=None, throttles=throttles, waited=0.0) for _ in range(100)]  # fmt: skip
        assert all(w is not None and 0 <= w <= cap for w in waits)


@pytest.mark.parametrize(
    ("retry_after", "waited", "raises"),
    [(120.0, 0.0, False), (120.5, 0.0, True), (60.0, 240.0, False), (60.0, 240.5, True)],
)
def test_a_throttle_raises_past_max_retry_after_or_max_throttle_wait(
    retry_after: float, waited: float, raises: bool
) -> None:
    policy = RetryPolicy(max_retry_after=120.0, max_throttle_wait=300.0)
    wait = throttle_wait(policy, retry_after=retry_after, throttles=1, waited=waited)
    assert (wait is None) is raises


# --- the retry budget ----------------------------------------------------------------------------


def test_the_quota_charges_botocores_costs_and_refunds_what_a_success_took() -> None:
    quota = RetryQuota(RetryBudget())
    assert quota.available == 500
    assert quota.take(timeout=False) == 5
    assert quota.take(timeout=True) == 10
    quota.refund(15)  # a success after those two retries
    assert quota.available == 500
    quota.refund(0)  # a success at once: +1, never past the capacity
    assert quota.available == 500


def test_an_empty_quota_refuses_and_successes_refill_it() -> None:
    quota = RetryQuota(RetryBudget(capacity=12))
    assert [quota.take(timeout=False) for _ in range(3)] == [5, 5, 0]
    assert quota.take(timeout=True) == 0  # 2 left: a timeout retry costs 10
    for _ in range(3):
        quota.refund(0)
    assert quota.take(timeout=False) == 5


def test_policy_takes_a_budget_or_none() -> None:
    assert RetryPolicy().retry_budget == RetryBudget(capacity=500)
    assert RetryPolicy(retry_budget=None).retry_budget is None
    with pytest.raises(TypeError, match="retry_budget"):
        RetryPolicy(retry_budget=500)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="max_throttle_wait"):
        RetryPolicy(max_throttle_wait=0)
    with pytest.raises(ValueError, match="capacity"):
        RetryBudget(capacity=0)
