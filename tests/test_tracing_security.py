"""The API key never reaches a span: a canary key, searched in every span exported.

As the logging and error checks do it: one run through everything that writes to spans (lists
with personal filters, gets, a 404, retried 503s, a 429, a bulk create with rejected rows, a
write the key may not make, a connection refused), then every span's full export (name,
attributes, events with their stack traces, status, links, resource) is searched for the key.
"""

from __future__ import annotations

import socket

import pytest

from epic_async import EpicClient, EpicConnectionError, PermissionDeniedError, RetryPolicy
from epic_async.testing import FakeEpicServer
from epic_async.testing.rows import charger_rows

from .conftest import SleepRecorder
from .spans import SpanRecorder

CANARY = "canary-key-5f1d0c2e9b7a4d3c8e6f"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def test_the_api_key_is_in_no_exported_span(sleeps: SleepRecorder) -> None:
    spans = SpanRecorder()
    retry = RetryPolicy(sleep=sleeps)
    keys = {CANARY: {"read", "write"}, f"{CANARY}-read-only": {"read"}}
    async with FakeEpicServer(chargers=40, api_keys=keys, max_batch=10) as fake:
        options = {"base_url": fake.base_url, "tracer_provider": spans.provider, "retry": retry}
        async with EpicClient(api_key=CANARY, rate_limit=None, **options) as client:  # type: ignore[arg-type]
            fake.fail_next(503, path="offset=10", times=2)
            fake.fail_next(429, path="offset=20", retry_after=0.01)
            chargers = await client.chargers.list(page_size=10).collect()
            await client.users.list(email="driver@example.com", search=CANARY).collect()
            await client.chargers.get_many([chargers[0].id, "missing"])
            rows = list(charger_rows(30, prefix="CANARY", invalid_every=7))
            await client.chargers.create_many(rows, batch_size=30)
        reader = EpicClient(api_key=f"{CANARY}-read-only", rate_limit=None, **options)  # type: ignore[arg-type]
        async with reader:
            port = (await reader.charger_ports.list(max_items=1).collect())[0]
            with pytest.raises(PermissionDeniedError):
                await reader.charger_ports.update(port.id, charging_speed=7.4)
    gone = f"http://127.0.0.1:{free_port()}/api/external/v1/"
    async with EpicClient(
        api_key=CANARY,
        base_url=gone,
        tracer_provider=spans.provider,
        retry=RetryPolicy(max_attempts=2, sleep=sleeps),
    ) as offline:
        with pytest.raises(EpicConnectionError):
            await offline.chargers.get("any")

    exported = spans.spans
    names = {span.name for span in exported}
    assert {"epic_async chargers.list", "epic_async chargers.create_many", "GET", "POST"} <= names
    assert any(event.name == "exception" for span in exported for event in span.events)
    leaks = [span.name for span in exported if CANARY in span.to_json()]
    assert leaks == []
    # The search is meaningful: what the caller typed as a filter value is redacted too.
    assert all("driver@example.com" not in span.to_json() for span in exported)
    spans.close()
