"""EpicClient lifecycle and configuration, over loopback."""

from __future__ import annotations

import asyncio
import gc
from typing import Any

import aiohttp
import pytest

from epic_async import EpicClient, RetryPolicy, Timeouts
from epic_async.testing import FakeEpicServer

from .conftest import make_client


async def test_context_manager_closes_and_use_after_close_says_what_to_do(
    server: FakeEpicServer,
) -> None:
    async with make_client(server) as client:
        await client.chargers.list(max_items=1).collect()
    assert client.closed
    with pytest.raises(RuntimeError, match="closed; create a new client"):
        await client.chargers.get("x")
    with pytest.raises(RuntimeError, match="cannot be re-entered"):
        async with client:
            pass
    await client.aclose()  # idempotent


async def test_a_borrowed_session_is_never_closed(server: FakeEpicServer) -> None:
    async with aiohttp.ClientSession() as session:
        async with make_client(server, session=session) as client:
            await client.chargers.list(max_items=1).collect()
        assert not session.closed
        async with session.get(server.base_url + "charger/") as resp:  # still usable
            assert resp.status == 401


async def test_with_options_shares_pool_limiter_and_metrics(server: FakeEpicServer) -> None:
    async with make_client(server) as client:
        patient = client.with_options(retry=RetryPolicy(max_attempts=9), timeouts=Timeouts(total=5))
        assert patient._transport.shared is client._transport.shared
        assert patient._transport.retry.max_attempts == 9
        assert client._transport.retry.max_attempts == 4
        await patient.chargers.list(max_items=1).collect()
        assert client.metrics.requests == 1
    assert patient.closed


def test_one_client_per_event_loop(server_in_thread: FakeEpicServer) -> None:
    client = make_client(server_in_thread)

    async def use() -> None:
        await client.chargers.list(max_items=1).collect()

    def from_another_loop() -> None:
        with pytest.raises(RuntimeError, match="bound to the event loop"):
            asyncio.run(use())

    async def main() -> None:
        await use()
        await asyncio.to_thread(from_another_loop)  # while the first loop is still alive
        await client.aclose()

    asyncio.run(main())


def test_configuration_errors_name_the_argument() -> None:
    with pytest.raises(ValueError, match="max_connections"):
        EpicClient(api_key="k", tenant="demo", max_connections=0)
    with pytest.raises(TypeError, match="rate_limit must be a RateLimit"):
        EpicClient(api_key="k", tenant="demo", rate_limit=10)  # type: ignore[arg-type]


def test_repr_shows_where_not_the_key() -> None:
    client = EpicClient(api_key="sk-top-secret", tenant="demo")
    assert repr(client) == "EpicClient(base_url='https://demo.epiccharging.com/api/external/v1/')"


async def test_the_auth_header_is_the_raw_key(server: FakeEpicServer) -> None:
    async with make_client(server, auth_prefix="Bearer") as client:
        with pytest.raises(Exception, match="401"):
            await client.chargers.list(max_items=1).collect()
    async with make_client(server) as client:
        assert len(await client.chargers.list(max_items=3).collect()) == 3


async def test_every_request_carries_the_key_json_and_english(mock_api: Any) -> None:
    """English answers are what the SDK recognises in DRF's messages ("no more than 50 elements")."""
    url = "https://demo.epiccharging.com/api/external/v1/charger/abc/"
    mock_api.get(url, payload={"id": "abc", "charger_point_id": "CP", "status": {"key": "X"}})
    async with EpicClient(api_key="k-123", tenant="demo", rate_limit=None) as client:
        await client.chargers.get("abc")
    (request,) = [call for calls in mock_api.requests.values() for call in calls]
    headers = request.kwargs["headers"]
    assert headers["Token-Authorization"] == "k-123"
    assert headers["Accept"] == "application/json" and headers["Accept-Language"] == "en"


async def test_an_unclosed_client_warns_with_the_fix(server: FakeEpicServer) -> None:
    quiet = make_client(server)  # never sent anything: nothing to close, no warning
    copy = make_client(server)
    await copy.with_options(retry=RetryPolicy(max_attempts=2)).chargers.list(max_items=1).collect()
    del quiet
    gc.collect()
    clients = [make_client(server)]
    await clients[0].chargers.list(max_items=1).collect()
    session = clients[0]._transport.shared._session
    with pytest.warns(ResourceWarning, match=r"await client.aclose\(\)"):
        clients.clear()  # the last reference: CPython finalises the client here
    assert session is not None
    await session.close()
    await copy.aclose()  # the owner closes; its with_options() copy never warned
