"""The transport over real HTTP on loopback: retries, 429 pauses, rate, redirects, bad bodies."""

from __future__ import annotations

import asyncio
import logging
import traceback

import aiohttp
import pytest

from epic_async import (
    APIStatusError,
    EpicClient,
    EpicConnectionError,
    EpicTimeoutError,
    RateLimit,
    RateLimitError,
    ResponseValidationError,
    RetryPolicy,
    ServerError,
    Timeouts,
)
from epic_async._exchange import translate
from epic_async.testing import FakeEpicServer

from .conftest import SleepRecorder, make_client
from .test_ratelimit import max_in_window


def some_charger_id(server: FakeEpicServer) -> str:
    return next(iter(server.store.chargers))


async def test_get_retries_5xx_along_the_jittered_ladder(
    server: FakeEpicServer, client: EpicClient, sleeps: SleepRecorder
) -> None:
    server.fail_next(503, path="charger/", times=3)
    detail = await client.chargers.get(some_charger_id(server))
    assert detail.id == some_charger_id(server)
    assert len(sleeps.delays) == 3
    for attempt, delay in enumerate(sleeps.delays, start=1):
        assert 0 <= delay <= 0.5 * 2 ** (attempt - 1)
    assert client.metrics.retries == 3
    assert client.metrics.requests == 4


async def test_get_gives_up_after_max_attempts(
    server: FakeEpicServer, client: EpicClient, sleeps: SleepRecorder
) -> None:
    server.fail_next(503, path="charger/", times=10)
    with pytest.raises(ServerError) as caught:
        await client.chargers.get(some_charger_id(server))
    assert caught.value.status == 503
    assert len(sleeps.delays) == 3  # 4 attempts, 3 waits


@pytest.mark.parametrize(
    ("retry_after", "expected"),
    [("2", 2.0), ("0.5", 0.5)],
)
async def test_retry_after_seconds_is_the_wait(
    server: FakeEpicServer,
    client: EpicClient,
    sleeps: SleepRecorder,
    retry_after: str,
    expected: float,
) -> None:
    server.fail_next(429, path="charger/", retry_after=float(retry_after))
    await client.chargers.get(some_charger_id(server))
    assert sleeps.delays == [pytest.approx(expected)]
    assert client.metrics.throttled == 1


async def test_retry_after_too_long_raises_rate_limit_error(
    server: FakeEpicServer, client: EpicClient, sleeps: SleepRecorder
) -> None:
    server.fail_next(429, path="charger/", retry_after=3600)
    with pytest.raises(RateLimitError) as caught:
        await client.chargers.get(some_charger_id(server))
    assert caught.value.retry_after == 3600
    assert sleeps.delays == []


async def test_post_is_not_retried_on_5xx_or_after_sending(
    server: FakeEpicServer, client: EpicClient, sleeps: SleepRecorder
) -> None:
    url = client.base_url + "chargers"
    server.fail_next(503, path="chargers")
    with pytest.raises(ServerError):
        await client._transport.request("POST", url, body=b'{"chargers": []}')
    server.fail_next("drop", path="chargers")
    with pytest.raises(EpicConnectionError) as caught:
        await client._transport.request("POST", url, body=b'{"chargers": []}')
    assert caught.value.request_sent is True
    assert sleeps.delays == []
    server.fail_next(429, path="chargers", retry_after=0.01)
    with pytest.raises(
        Exception, match="400"
    ):  # retried after the 429, then the empty list is refused
        await client._transport.request("POST", url, body=b"{}")
    assert sleeps.delays == [pytest.approx(0.01)]


async def test_get_is_retried_after_a_dropped_connection(
    server: FakeEpicServer, client: EpicClient, sleeps: SleepRecorder
) -> None:
    # aiohttp itself resends an idempotent request once, at once, when the connection closes
    # under it (RFC 9112 §9.3.1); the second drop is the one the SDK's policy sees.
    server.fail_next("drop", path="charger/", times=2)
    await client.chargers.get(some_charger_id(server))
    assert len(sleeps.delays) == 1
    assert server.counters.requests == 3


async def test_connection_refused_is_retried_then_typed(sleeps: SleepRecorder) -> None:
    async with EpicClient(
        api_key="k",
        base_url="http://127.0.0.1:9/api/external/v1/",
        retry=RetryPolicy(sleep=sleeps, max_attempts=2),
    ) as client:
        with pytest.raises(EpicConnectionError) as caught:
            await client.chargers.get("abc")
    assert caught.value.request_sent is False
    assert len(sleeps.delays) == 1


async def test_timeout_is_typed(server: FakeEpicServer) -> None:
    server.fail_next("hang", path="charger/", hang=5)
    async with make_client(
        server, timeouts=Timeouts(total=0.2), retry=RetryPolicy(max_attempts=1)
    ) as client:
        with pytest.raises(EpicTimeoutError) as caught:
            await client.chargers.get(some_charger_id(server))
    assert isinstance(caught.value, TimeoutError)
    assert caught.value.request_sent is True


async def test_one_429_pause_holds_every_concurrent_task(server: FakeEpicServer) -> None:
    ids = list(server.store.chargers)[:12]
    server.fail_next(429, path="charger/", retry_after=0.3)
    async with make_client(server) as client:
        await client.chargers.get(ids[0])  # warm the connection pool
        server.counters.request_log.clear()
        server.fail_next(429, path="charger/", retry_after=0.3)
        results = await client.chargers.get_many(ids, concurrency=12)
    assert all(r is not None for r in results)
    assert client.metrics.pauses >= 1
    log = list(server.counters.request_log)
    first = log[0][3]  # the first request of the batch got the 429
    later = [t for _, _, _, t in log[1:]]
    # Requests already in flight when the 429 landed may arrive; none may *start* during the pause.
    starts_in_pause = [t for t in later if first + 0.05 < t < first + 0.3]
    assert starts_in_pause == []
    assert len(log) == 13  # 12 gets + 1 retry: nobody hammered the API during the pause


async def test_rate_limit_is_shared_by_concurrent_tasks(server: FakeEpicServer) -> None:
    ids = list(server.store.chargers)[:40]
    async with make_client(server, rate_limit=RateLimit(rate=100, burst=5)) as client:
        server.counters.request_log.clear()
        await client.chargers.get_many(ids, concurrency=20)
    stamps = [t for *_, t in server.counters.request_log]
    assert len(stamps) == 40
    assert max_in_window(stamps, 0.1) <= 5 + 100 * 0.1 + 2
    assert stamps[-1] - stamps[0] >= (40 - 5) / 100 * 0.9


async def test_server_rate_limit_with_known_rate_sees_no_429() -> None:
    async with FakeEpicServer(chargers=60, rate=100, burst=5) as server:
        # Told exactly the server's bucket: the client keeps its own margin (_bucket.pacing).
        async with make_client(server, rate_limit=RateLimit(rate=100, burst=5)) as client:
            await client.chargers.get_many(list(server.store.chargers), concurrency=20)
        assert server.counters.throttled == 0
        assert client.metrics.throttled == 0


async def test_redirects_are_refused_not_followed(
    server: FakeEpicServer, client: EpicClient
) -> None:
    server.fail_next("redirect", path="charger/")
    with pytest.raises(APIStatusError, match=r"redirect .* refused") as caught:
        await client.chargers.get(some_charger_id(server))
    assert caught.value.status == 302
    assert client.metrics.requests == 1


async def test_next_links_to_another_host_are_refused(client: EpicClient) -> None:
    with pytest.raises(EpicConnectionError, match="refusing to send the API key"):
        client._transport.check_same_origin(
            "http://evil.example/api/external/v1/charger/?offset=100"
        )


@pytest.mark.parametrize(
    ("fault", "error"),
    [
        ("garbage", ResponseValidationError),
        ("empty_204", ResponseValidationError),
        ("truncated", EpicConnectionError),
    ],
)
async def test_server_garbage_is_a_typed_error(
    server: FakeEpicServer, client: EpicClient, fault: str, error: type[Exception]
) -> None:
    server.fail_next(fault, path="charger/", times=10)
    with pytest.raises(error):
        await client.chargers.get(some_charger_id(server))


async def test_html_error_page_is_a_server_error_with_the_page_kept(
    server: FakeEpicServer, client: EpicClient
) -> None:
    server.fail_next("html", path="charger/", times=10)
    with pytest.raises(ServerError) as caught:
        await client.chargers.get(some_charger_id(server))
    assert isinstance(caught.value.body, str) and "<" in caught.value.body
    assert "\n" not in str(caught.value)


async def test_missing_count_is_a_validation_error(
    server: FakeEpicServer, client: EpicClient
) -> None:
    server.fail_next("no_count", path="charger/")
    with pytest.raises(ResponseValidationError, match="count"):
        await client.chargers.list().collect()


async def test_the_key_never_leaks_into_logs_errors_or_tracebacks(
    server: FakeEpicServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="epic_async")
    server.fail_next(404, path="charger/")

    async def fetch_missing(client: EpicClient) -> APIStatusError:
        # The traceback below starts in this frame: only SDK frames and this one are rendered.
        try:
            await client.chargers.get("missing-id")
        except APIStatusError as exc:
            return exc
        raise AssertionError("expected a 404")

    async with make_client(server) as client:
        error = await fetch_missing(client)
        await client.chargers.list(max_items=5).collect()
        assert server.api_key not in repr(client)
    secret = server.api_key
    assert caplog.records, "DEBUG logging should describe each request"
    assert all(secret not in r.getMessage() for r in caplog.records)
    assert secret not in str(error) and secret not in repr(vars(error))
    rendered = "".join(
        traceback.TracebackException.from_exception(error, capture_locals=True).format()
    )
    assert secret not in rendered


async def test_concurrent_requests_overlap_on_the_pool(server: FakeEpicServer) -> None:
    server.configure(latency=0.05)
    async with make_client(server) as client:
        await client.chargers.get_many(list(server.store.chargers)[:20], concurrency=20)
    assert server.counters.max_in_flight >= 10  # not serialised behind one connection


async def test_cancellation_is_never_swallowed(server: FakeEpicServer, client: EpicClient) -> None:
    server.fail_next("hang", path="charger/", hang=5)
    task = asyncio.ensure_future(client.chargers.get(some_charger_id(server)))
    with pytest.raises(TimeoutError):  # wait_for cancels the task; a swallowed cancel would return
        await asyncio.wait_for(asyncio.shield(task), 0.2)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert task.cancelled()


async def test_adaptive_rate_finds_an_unknown_server_limit() -> None:
    async with FakeEpicServer(chargers=240, rate=100, burst=5) as server:
        limit = RateLimit(rate=25, burst=4, adaptive=True)
        async with make_client(server, rate_limit=limit) as client:
            ids = list(server.store.chargers)
            found = await client.chargers.get_many(ids, concurrency=16)
            limiter = client._transport.shared._limiter
            assert limiter is not None
            grown_to = limiter.rate
        assert [d.id for d in found if d] == ids  # every record, exactly once, in order
        assert grown_to > 25  # it probed above its starting guess...
        assert server.counters.throttled <= 0.1 * server.counters.requests  # ...without a storm
        assert client.metrics.throttled == server.counters.throttled


# --- one table maps aiohttp's exceptions to ours -------------------------------------------------


class _Key:
    ssl = True
    host = "api.example"
    port = 443


@pytest.mark.parametrize(
    ("exc", "error", "sent", "message"),
    [
        (aiohttp.ConnectionTimeoutError(), EpicTimeoutError, False, "timed out connecting"),
        (aiohttp.ClientConnectorError(_Key(), OSError(111, "refused")), EpicConnectionError, False, "cannot connect"),  # type: ignore[arg-type]
        (aiohttp.SocketTimeoutError(), EpicTimeoutError, True, "timed out waiting"),
        (TimeoutError(), EpicTimeoutError, True, "timed out waiting"),
        (aiohttp.ClientPayloadError("short"), EpicConnectionError, True, "cut short"),
        (aiohttp.ServerDisconnectedError(), EpicConnectionError, True, "connection lost (ServerDisconnectedError"),
    ],
)  # fmt: skip
def test_one_table_maps_aiohttp_exceptions_to_ours(
    exc: BaseException, error: type[Exception], sent: bool, message: str
) -> None:
    failed = translate(exc, "GET", "https://api.example/x")
    assert type(failed.error) is error
    assert failed.error.request_sent is sent  # type: ignore[attr-defined]
    assert failed.error.__cause__ is exc
    assert message in str(failed.error)
