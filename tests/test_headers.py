"""Extra request headers (``with_options(headers=...)``) and an own aiohttp session, over loopback."""

from __future__ import annotations

import re

import aiohttp
import pytest

from epic_async import EpicClient, SyncEpicClient
from epic_async.testing import FakeEpicServer

from .conftest import make_client


async def test_with_options_adds_headers_to_every_request_of_the_copy_only(
    server: FakeEpicServer,
) -> None:
    async with make_client(server) as client:
        tagged = client.with_options(headers={"X-Correlation-Id": "job-42"})
        retagged = tagged.with_options(headers={"X-Team": "fleet"})
        await tagged.chargers.list(max_items=1).collect()
        await retagged.locations.list(max_items=1).collect()
        await client.chargers.list(max_items=1).collect()
    first, second, plain = list(server.counters.header_log)[-3:]
    assert first["X-Correlation-Id"] == "job-42"
    # A copy of a copy keeps the headers it was given and adds its own.
    assert (second["X-Correlation-Id"], second["X-Team"]) == ("job-42", "fleet")
    assert "X-Correlation-Id" not in plain
    # The SDK's own headers are still there, unchanged.
    for seen in (first, second, plain):
        assert seen["Accept"] == "application/json"
        assert seen["User-Agent"].startswith("epic-async/")


async def test_extra_headers_ride_on_writes_too(server: FakeEpicServer) -> None:
    async with make_client(server) as client:
        port = (await client.charger_ports.list(max_items=1).collect())[0]
        tagged = client.with_options(headers={"X-Correlation-Id": "update-1"})
        await tagged.charger_ports.update(port.id, charging_speed=7.4)
    seen = server.counters.header_log[-1]
    assert seen["X-Correlation-Id"] == "update-1"
    assert seen["Content-Type"] == "application/json"


@pytest.mark.parametrize(
    "name",
    ["Token-Authorization", "user-agent", "TRACEPARENT", "tracestate", "Accept", "Content-Type"],
)
async def test_the_headers_the_sdk_owns_are_refused_before_any_request(
    server: FakeEpicServer, name: str
) -> None:
    async with make_client(server) as client:
        before = server.counters.requests
        with pytest.raises(ValueError, match=f"headers: '{name}' is set by the SDK"):
            client.with_options(headers={name: "mine"})
        assert server.counters.requests == before


@pytest.mark.parametrize(
    ("headers", "message"),
    [
        ({"X-A": "one\r\nX-Injected: yes"}, "the value of 'X-A' must be a str without line breaks"),
        ({"X-A": 42}, "the value of 'X-A' must be a str"),
        ({"Bad Name": "x"}, "'Bad Name' is not a valid header name"),
        ({"": "x"}, "'' is not a valid header name"),
    ],
)
def test_bad_headers_name_the_header(headers: dict[str, object], message: str) -> None:
    client = EpicClient(api_key="k", base_url="http://127.0.0.1:1/api/external/v1/")
    with pytest.raises(ValueError, match=re.escape(message)):
        client.with_options(headers=headers)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="headers must be a mapping"):
        client.with_options(headers=[("X-A", "1")])  # type: ignore[arg-type]


def test_the_sync_client_takes_headers_too(server_in_thread: FakeEpicServer) -> None:
    with SyncEpicClient(
        api_key=server_in_thread.api_key, base_url=server_in_thread.base_url
    ) as client:
        client.with_options(headers={"X-Job": "sync"}).chargers.get(
            client.chargers.list(max_items=1).collect()[0].id
        )
    assert server_in_thread.counters.header_log[-1]["X-Job"] == "sync"


async def test_an_own_session_carries_its_settings(server: FakeEpicServer) -> None:
    # What the README shows for proxies, TLS and tracing: the session's own settings (here its
    # default headers and a trace_config) apply to the SDK's requests; the SDK never closes it.
    seen: list[str] = []

    async def on_start(
        _session: aiohttp.ClientSession,
        _ctx: object,
        params: aiohttp.TraceRequestStartParams,
    ) -> None:
        seen.append(str(params.url.path))

    trace = aiohttp.TraceConfig()
    trace.on_request_start.append(on_start)
    async with aiohttp.ClientSession(
        headers={"X-Gateway": "eu"}, trust_env=True, trace_configs=[trace]
    ) as session:
        async with make_client(server, session=session) as client:
            await client.chargers.list(max_items=1).collect()
        assert not session.closed
    assert server.counters.header_log[-1]["X-Gateway"] == "eu"
    assert seen and seen[-1].endswith("/charger/")
