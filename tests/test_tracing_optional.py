"""Tracing is optional: without OpenTelemetry, without a provider, or turned off, nothing changes."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest
from opentelemetry import trace

from epic_async import EpicClient, SyncEpicClient
from epic_async.testing import FakeEpicServer

from .conftest import make_client

# Run in a fresh interpreter where `import opentelemetry` fails, as it does without the extra.
WITHOUT_OPENTELEMETRY = textwrap.dedent(
    """
    import asyncio
    import sys

    sys.modules["opentelemetry"] = None  # every `import opentelemetry...` now raises ImportError

    from epic_async import EpicClient, SyncEpicClient
    from epic_async.testing import FakeEpicServer


    async def main() -> None:
        async with FakeEpicServer(chargers=30) as fake:
            async with EpicClient(
                api_key=fake.api_key, base_url=fake.base_url, rate_limit=None
            ) as client:
                assert client._transport.shared.tracing is None
                chargers = await client.chargers.list(page_size=10).collect()
                detail = await client.chargers.get(chargers[0].id)
                assert detail.id == chargers[0].id
            assert "traceparent" not in fake.counters.header_log[-1]
            print("async", len(chargers))


    asyncio.run(main())
    with FakeEpicServer(chargers=12).run_in_thread() as fake:
        with SyncEpicClient(api_key=fake.api_key, base_url=fake.base_url) as client:
            print("sync", len(client.chargers.list(page_size=5).collect()))
    assert "epic_async._otel" not in sys.modules
    print("loaded", sorted(m for m in sys.modules if m.startswith("opentelemetry")))
    """
)


def test_the_sdk_imports_and_works_without_opentelemetry() -> None:
    done = subprocess.run(
        [sys.executable, "-c", WITHOUT_OPENTELEMETRY],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split("\n")[:3] == ["async 30", "sync 12", "loaded ['opentelemetry']"]


async def test_without_a_tracer_provider_nothing_is_traced_or_sent(
    server: FakeEpicServer,
) -> None:
    # The suite never sets the global provider: this is what a service without one gets.
    assert isinstance(trace.get_tracer_provider(), trace.ProxyTracerProvider)
    async with make_client(server) as client:
        assert client._transport.shared.tracing is not None  # the extra is installed...
        await client.chargers.list(page_size=100).collect()
        await client.chargers.get_many([c["id"] for c in server.store.list_chargers()[:3]])
    assert all("traceparent" not in seen for seen in server.counters.header_log)  # ...idle


def test_tracing_false_chooses_the_untraced_path_once() -> None:
    client = EpicClient(api_key="k", base_url="http://127.0.0.1:1/v1/", tracing=False)
    assert client._transport.shared.tracing is None
    assert client.with_options(headers={"X-Job": "1"})._transport.shared.tracing is None


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"tracing": "yes"}, "tracing must be True or False, got 'yes'"),
        ({"propagate_trace": 1}, "propagate_trace must be True or False, got 1"),
        ({"tracer_provider": "global"}, "tracer_provider must be an OpenTelemetry TracerProvider"),
    ],
)
def test_bad_tracing_arguments_are_refused(options: dict[str, object], message: str) -> None:
    for cls in (EpicClient, SyncEpicClient):
        with pytest.raises(TypeError, match=message):
            cls(api_key="k", base_url="http://127.0.0.1:1/v1/", **options)  # type: ignore[arg-type]
