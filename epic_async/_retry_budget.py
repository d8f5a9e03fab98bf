"""The retry budget: error retries draw on one quota per client, so a failing API is not hit with
``max_attempts`` times its load (botocore's retry quota is the model, numbers included).

The quota starts full at ``capacity`` (500). A retry after a 5xx or a connection error costs
``retry_cost`` (5), after a timeout ``timeout_retry_cost`` (10: a timeout held a connection for
the whole timeout). A request that succeeds at once refunds ``success_refund`` (1); one that
succeeds after retries refunds what its retries took. When a retry cannot be paid for, the error
is raised at once. 429s never draw on it: a throttle is a wait, not an outage.

So during an outage the client sends its requests once each, plus ``capacity / retry_cost`` (100)
retries in all; after it, every success refills the quota again.

>>> quota = RetryQuota(RetryBudget(capacity=10))
>>> quota.take(timeout=False), quota.take(timeout=True), quota.available
(5, 0, 5)
>>> quota.refund(5); quota.available
10
"""

from __future__ import annotations

import threading

import attrs

__all__ = ["RetryBudget", "RetryQuota"]


def _positive_int(_instance: object, attribute: attrs.Attribute[int], value: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"RetryBudget.{attribute.name} must be an int >= 1, got {value!r}")


@attrs.frozen(kw_only=True)
class RetryBudget:
    """How large the shared retry quota is and what a retry costs (see the module docstring).

    ``RetryPolicy(retry_budget=None)`` turns the budget off (every request retries up to
    ``max_attempts``, as a lone script may want).

    >>> RetryBudget()
    RetryBudget(capacity=500, retry_cost=5, timeout_retry_cost=10, success_refund=1)
    """

    capacity: int = attrs.field(default=500, validator=_positive_int)
    retry_cost: int = attrs.field(default=5, validator=_positive_int)
    timeout_retry_cost: int = attrs.field(default=10, validator=_positive_int)
    success_refund: int = attrs.field(default=1, validator=_positive_int)


class RetryQuota:
    """The live quota of one client (shared by its ``with_options()`` copies).

    Thread-safe, because a ``SyncEpicClient``'s copies run on one loop but nothing stops a user
    from sharing a quota across loops; the lock is uncontended in the usual case.
    """

    def __init__(self, budget: RetryBudget) -> None:
        self.budget = budget
        self.available = budget.capacity
        self._lock = threading.Lock()

    def take(self, *, timeout: bool) -> int:
        """Pay for one retry: the amount taken, or 0 when the quota cannot pay (do not retry)."""
        cost = self.budget.timeout_retry_cost if timeout else self.budget.retry_cost
        with self._lock:
            if cost > self.available:
                return 0
            self.available -= cost
            return cost

    def refund(self, spent: int) -> None:
        """A request succeeded after retries that took ``spent`` (0: at once, so the small
        success refund), up to the capacity."""
        amount = spent or self.budget.success_refund
        with self._lock:
            self.available = min(self.budget.capacity, self.available + amount)
