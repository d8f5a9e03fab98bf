"""SyncEpicClient over loopback: parity with the async client, threads, lifecycle."""

from __future__ import annotations

import asyncio
import gc
import inspect
import os
import signal
import threading
import time
from collections.abc import Callable
from typing import Any

import pytest

from epic_async import EpicClient, RateLimit, SyncEpicClient
from epic_async._sync import SyncPager
from epic_async.resources._base import Resource
from epic_async.testing import FakeEpicServer

from .test_ratelimit import max_in_window


def sync_client(server: FakeEpicServer, **kwargs: object) -> SyncEpicClient:
    options: dict[str, object] = {"rate_limit": RateLimit(rate=1000, burst=100)}
    options.update(kwargs)
    return SyncEpicClient(api_key=server.api_key, base_url=server.base_url, **options)  # type: ignore[arg-type]


def public_methods(obj: object) -> dict[str, Callable[..., Any]]:
    return {
        name: getattr(obj, name)
        for name in dir(obj)
        if not name.startswith("_") and callable(getattr(obj, name))
    }


def test_every_async_method_has_a_sync_twin_with_the_same_signature(
    server_in_thread: FakeEpicServer,
) -> None:
    async_client = EpicClient(api_key="k", base_url=server_in_thread.base_url)
    with sync_client(server_in_thread) as client:
        resources = [
            n for n in dir(async_client) if isinstance(getattr(async_client, n, None), Resource)
        ]
        assert sorted(resources) == ["charger_ports", "chargers", "locations", "reports", "users"]
        for resource in resources:
            async_methods = public_methods(getattr(async_client, resource))
            sync_methods = public_methods(getattr(client, resource))
            assert sorted(async_methods) == sorted(sync_methods), resource
            for name, method in async_methods.items():
                expected = inspect.signature(method).replace(
                    return_annotation=inspect.Signature.empty
                )
                got = inspect.signature(sync_methods[name]).replace(
                    return_annotation=inspect.Signature.empty
                )
                assert got == expected, f"{resource}.{name}"
                assert sync_methods[name].__doc__ == method.__doc__
    assert inspect.signature(SyncEpicClient.__init__) == inspect.signature(EpicClient.__init__)


def test_sync_listing_and_gets(server_in_thread: FakeEpicServer) -> None:
    with sync_client(server_in_thread) as client:
        pager = client.chargers.list(page_size=7, concurrency=4)
        assert isinstance(pager, SyncPager)
        ids = [c.id for c in pager]
        assert ids == [c["id"] for c in server_in_thread.store.list_chargers()]
        assert pager.count == len(ids)
        assert len(client.chargers.list(max_items=9).collect()) == 9
        assert sum(len(p) for p in client.chargers.list(page_size=10).pages()) == len(ids)
        detail = client.chargers.get(ids[0])
        assert detail.id == ids[0]


def test_sixteen_threads_share_one_rate_limit_and_pool(server_in_thread: FakeEpicServer) -> None:
    ids = list(server_in_thread.store.chargers)[:48]
    server_in_thread.counters.request_log.clear()
    with sync_client(server_in_thread, rate_limit=RateLimit(rate=100, burst=4)) as client:
        errors: list[BaseException] = []

        def work(chunk: list[str]) -> None:
            try:
                for charger_id in chunk:
                    client.chargers.get(charger_id)
            except BaseException as exc:  # pragma: no cover - reported below
                errors.append(exc)

        threads = [threading.Thread(target=work, args=(ids[i::16],)) for i in range(16)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert errors == []
        assert client.metrics.requests == 48
    stamps = [t for *_, t in server_in_thread.counters.request_log]
    assert max_in_window(stamps, 0.1) <= 4 + 100 * 0.1 + 2


def test_breaking_out_of_a_for_loop_cancels_in_flight_pages(
    server_in_thread: FakeEpicServer,
) -> None:
    server_in_thread.configure(latency=0.01)
    with sync_client(server_in_thread) as client:
        for _ in client.chargers.list(page_size=5, concurrency=4):
            break
        requested = server_in_thread.counters.by_route["GET charger/"]
        assert requested < 50 / 5  # the fan-out stopped: not every page was fetched
        assert client.chargers.list(max_items=1).collect()  # the client is still usable


def test_close_is_idempotent_and_use_after_close_fails(server_in_thread: FakeEpicServer) -> None:
    client = sync_client(server_in_thread)
    client.chargers.list(max_items=1).collect()
    client.close()
    client.close()
    assert client.closed
    assert not client._runner.thread.is_alive()
    with pytest.raises(RuntimeError, match="closed"):
        client.chargers.get("x")


def test_unclosed_client_warns_and_stops_its_thread(server_in_thread: FakeEpicServer) -> None:
    client = sync_client(server_in_thread)
    client.chargers.list(max_items=1).collect()
    thread = client._runner.thread
    with pytest.warns(ResourceWarning, match="unclosed SyncEpicClient"):  # noqa: PT031
        del client  # the last reference: the finaliser runs here
        gc.collect()
    thread.join(timeout=5)
    assert not thread.is_alive()


async def test_calling_from_a_running_loop_points_to_epic_client(
    server_in_thread: FakeEpicServer,
) -> None:
    client = sync_client(server_in_thread)
    try:
        with pytest.raises(RuntimeError, match="use EpicClient"):
            client.chargers.get("x")
    finally:
        client._runner.stop()
        client._closed = True


def test_bad_arguments_raise_in_the_callers_thread(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("EPIC_API_KEY", raising=False)
    with pytest.raises(ValueError, match="api_key is missing"):
        SyncEpicClient(tenant="demo", api_key=None)
    with (
        pytest.raises(ValueError, match="status='nope'"),
        SyncEpicClient(api_key="k", tenant="demo") as client,
    ):
        client.chargers.list(status="nope")


def test_keyboard_interrupt_cancels_the_work_on_the_loop(server_in_thread: FakeEpicServer) -> None:
    server_in_thread.fail_next("hang", path="charger/", hang=30)
    charger_id = next(iter(server_in_thread.store.chargers))
    with sync_client(server_in_thread) as client:
        # A real SIGINT, sent once the call is blocked on the hanging request.
        threading.Timer(0.3, os.kill, (os.getpid(), signal.SIGINT)).start()
        with pytest.raises(KeyboardInterrupt):
            client.chargers.get(charger_id)

        async def pending() -> int:
            me = asyncio.current_task()
            for _ in range(100):  # the cancelled request unwinds within a few loop turns
                others = [t for t in asyncio.all_tasks() if t is not me]
                if not others:
                    return 0
                await asyncio.sleep(0)
            return len(others)

        assert client._runner.run(pending()) == 0
        assert client.chargers.get(charger_id).id == charger_id  # the client still works


def _interrupt_once_more_requests_arrive(server: FakeEpicServer, seen: int) -> None:
    """The readiness handshake: SIGINT only once the next pages are on the wire (bounded wait)."""
    for _ in range(5_000):
        if server.counters.requests > seen:
            break
        time.sleep(0.001)
    os.kill(os.getpid(), signal.SIGINT)


def test_ctrl_c_in_a_for_loop_over_a_listing_is_a_plain_keyboard_interrupt(
    server_in_thread: FakeEpicServer,
) -> None:
    with sync_client(server_in_thread) as client:
        for _ in range(20):
            server_in_thread.configure(latency=0.0)
            items = iter(client.chargers.list(page_size=5, concurrency=4))
            next(items)  # the first page is in: the listing is under way
            server_in_thread.configure(latency=30.0)  # the pages still to come hang
            sender = threading.Thread(
                target=_interrupt_once_more_requests_arrive,
                args=(server_in_thread, server_in_thread.counters.requests),
            )
            sender.start()
            with pytest.raises(KeyboardInterrupt) as caught:
                for _ in items:
                    pass
            sender.join()
            assert caught.type is KeyboardInterrupt and caught.value.__context__ is None
        server_in_thread.configure(latency=0.0)
        assert len(client.chargers.list(max_items=7).collect()) == 7  # the client still works
