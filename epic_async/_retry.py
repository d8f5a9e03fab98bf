"""Retry decisions: which failures to retry and how long to wait. Pure functions, no I/O.

The transport asks :func:`retry_decision` after an error (and, without a rate limit, after a
429) and :func:`throttle_wait` after a 429 under a rate limit, and waits what they answer.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from enum import Enum

import attrs

from ._retry_budget import RetryBudget

__all__ = ["FailureKind", "RetryPolicy", "parse_retry_after", "retry_decision", "throttle_wait"]

Sleep = Callable[[float], Awaitable[None]]

#: Methods whose repetition cannot change the server's state more than once.
IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})
RETRYABLE_STATUSES = frozenset({408, 429, 500, 502, 503, 504})


class FailureKind(Enum):
    """How an attempt failed, as far as retrying is concerned."""

    STATUS = "status"  # the server answered a non-2xx status
    NOT_SENT = "not_sent"  # connecting failed: the server cannot have seen the request
    MAYBE_SENT = "maybe_sent"  # timeout or broken connection after the request left


def _check_positive(_instance: object, attribute: attrs.Attribute[float], value: float) -> None:
    if not value > 0:
        raise ValueError(f"RetryPolicy.{attribute.name} must be > 0, got {value!r}")


@attrs.frozen(kw_only=True)
class RetryPolicy:
    """When and how long to retry a failed request.

    Attempt ``n`` (1-based) that fails with a retryable error waits
    ``uniform(0, min(backoff_max, backoff_initial * 2 ** (n - 1)))`` seconds ("full jitter", so
    many clients that failed together do not retry together), or the server's ``Retry-After`` when
    it sent one; a ``Retry-After`` above ``max_retry_after`` is not waited for: the error is raised.

    GET/PUT/DELETE retry on 408, 429, 5xx and connection errors. POST/PATCH retry only on 429 and on
    failures to connect, because anything else may have been applied already: the SDK never risks
    creating a charger twice.

    **429s under a rate limit are waits, not attempts**: the request waits the ``Retry-After``
    (or the backoff of its n-th 429 when there is none) and is sent again, however often, until
    a ``Retry-After`` exceeds ``max_retry_after`` or its 429 waits would add up past
    ``max_throttle_wait`` seconds. Without a rate limit (``rate_limit=None``) a 429 uses up an
    attempt like an error.

    **Error retries draw on a budget** (``retry_budget``, botocore's retry quota: see
    :class:`RetryBudget`) shared by a client and its ``with_options()`` copies; when it is empty an
    error is raised at once. ``retry_budget=None`` turns it off.

    ``sleep`` is injectable so tests record the ladder instead of waiting it out.

    >>> RetryPolicy(max_attempts=1, retry_budget=None)  # never retry
    RetryPolicy(max_attempts=1, backoff_initial=0.5, backoff_max=30.0, max_retry_after=120.0, max_throttle_wait=300.0, retry_budget=None)
    """

    max_attempts: int = attrs.field(default=4)
    backoff_initial: float = attrs.field(default=0.5, validator=_check_positive)
    backoff_max: float = attrs.field(default=30.0, validator=_check_positive)
    max_retry_after: float = attrs.field(default=120.0, validator=_check_positive)
    max_throttle_wait: float = attrs.field(default=300.0, validator=_check_positive)
    retry_budget: RetryBudget | None = attrs.field(default=RetryBudget())
    sleep: Sleep = attrs.field(default=asyncio.sleep, repr=False, eq=False)
    rng: random.Random = attrs.field(factory=random.Random, repr=False, eq=False)

    @retry_budget.validator
    def _check_budget(self, _attribute: object, value: RetryBudget | None) -> None:
        if value is not None and not isinstance(value, RetryBudget):
            raise TypeError(
                f"RetryPolicy.retry_budget must be a RetryBudget or None, got {value!r}"
            )

    @max_attempts.validator
    def _check_attempts(self, _attribute: object, value: int) -> None:
        if not isinstance(value, int) or isinstance(value, bool) or value < 1:
            raise ValueError(f"RetryPolicy.max_attempts must be an int >= 1, got {value!r}")

    def backoff(self, attempt: int) -> float:
        """Full-jitter delay after failed attempt number ``attempt`` (1-based)."""
        cap = min(self.backoff_max, self.backoff_initial * 2 ** (attempt - 1))
        return self.rng.uniform(0.0, cap)


def parse_retry_after(value: str | None, *, now: datetime | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header: delay-seconds or an HTTP-date; else None.

    >>> parse_retry_after("2.5")
    2.5
    >>> parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT", now=datetime(2015, 10, 21, 7, 27, 50, tzinfo=UTC))
    10.0
    """
    if value is None:
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        seconds = (when - (now or datetime.now(UTC))).total_seconds()
    if seconds != seconds or seconds in (float("inf"), float("-inf")):  # NaN / inf
        return None
    return max(0.0, seconds)


def retry_decision(
    policy: RetryPolicy,
    *,
    method: str,
    attempt: int,
    kind: FailureKind,
    status: int | None = None,
    retry_after: float | None = None,
) -> float | None:
    """Seconds to wait before the next attempt, or ``None`` to give up and raise.

    ``attempt`` is the number of the attempt that just failed (1-based).
    """
    if attempt >= policy.max_attempts:
        return None
    idempotent = method.upper() in IDEMPOTENT_METHODS
    if kind is FailureKind.NOT_SENT:
        retryable = True
    elif kind is FailureKind.MAYBE_SENT:
        retryable = idempotent
    else:
        retryable = (
            status == 429
            or (idempotent and status in RETRYABLE_STATUSES)
            or (idempotent and status is not None and status >= 500)
        )
    if not retryable:
        return None
    if retry_after is not None:
        return retry_after if retry_after <= policy.max_retry_after else None
    return policy.backoff(attempt)


def throttle_wait(
    policy: RetryPolicy, *, retry_after: float | None, throttles: int, waited: float
) -> float | None:
    """Seconds a request waits after its ``throttles``-th 429 under a rate limit, or ``None`` to
    raise: the server's ``Retry-After`` (above ``max_retry_after``: raise), else the full-jitter
    backoff of that many failures; raise too when the request's 429 waits so far (``waited``)
    plus this one would pass ``max_throttle_wait``.

    >>> throttle_wait(RetryPolicy(), retry_after=2.0, throttles=7, waited=10.0)
    2.0
    >>> throttle_wait(RetryPolicy(max_throttle_wait=11.0), retry_after=2.0, throttles=7, waited=10.0)
    """
    if retry_after is not None:
        if retry_after > policy.max_retry_after:
            return None
        wait = retry_after
    else:
        wait = policy.backoff(throttles)
    return wait if waited + wait <= policy.max_throttle_wait else None
