"""What a client did, counted: services export it, the demo and the benchmarks print it."""

from __future__ import annotations

from collections import Counter
from typing import Any

import attrs

__all__ = ["ClientMetrics"]


@attrs.define(kw_only=True)
class ClientMetrics:
    """Counters shared by a client and every ``with_options()`` copy of it.

    ``requests`` counts attempts that left the client (retries included), ``retries`` the attempts
    after the first (resends after a 429 included), ``throttled`` the 429 answers, ``pauses`` the
    shared 429 pauses started, ``retries_refused`` the errors raised at once because the retry
    budget was spent, ``records`` the list items yielded by pagers.

    >>> m = ClientMetrics(); m.requests += 1; m.as_dict()["requests"]
    1
    """

    requests: int = 0
    retries: int = 0
    throttled: int = 0
    pauses: int = 0
    retries_refused: int = 0
    connection_errors: int = 0
    bytes_sent: int = 0
    bytes_received: int = 0
    records: int = 0
    by_status: Counter[int] = attrs.field(factory=Counter)

    def as_dict(self) -> dict[str, Any]:
        """A plain, JSON-ready copy."""
        data = attrs.asdict(self)
        data["by_status"] = {str(k): v for k, v in sorted(self.by_status.items())}
        return data
