"""OpenTelemetry spans over loopback: one span per public call, one child per HTTP attempt.

Every test reads the spans an OpenTelemetry SDK provider exported to memory (tests/spans.py):
names, kinds, attributes, events, and the parent/child links between the caller's span, the
call's and the attempts'.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import aclosing

import aiohttp
import pytest
from opentelemetry import trace
from opentelemetry.instrumentation.aiohttp_client import create_trace_config
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.trace import SpanKind, StatusCode

from epic_async import (
    EpicClient,
    NotFoundError,
    PaginationError,
    RateLimit,
    RetryPolicy,
    SyncEpicClient,
)
from epic_async.testing import FakeEpicServer
from epic_async.testing.rows import charger_rows, invalid_indexes

from .conftest import SleepRecorder, make_client
from .spans import SpanRecorder


@pytest.fixture
def spans() -> Iterator[SpanRecorder]:
    recorder = SpanRecorder()
    yield recorder
    recorder.close()


def traced_client(
    server: FakeEpicServer, spans: SpanRecorder, sleeps: SleepRecorder, **kwargs: object
) -> EpicClient:
    """A client on the simulator, traced to ``spans``, its retry sleeps recorded (not waited)."""
    options: dict[str, object] = {
        "tracer_provider": spans.provider,
        "rate_limit": None,
        "retry": RetryPolicy(sleep=sleeps),
    }
    options.update(kwargs)
    return make_client(server, **options)


def attempts(spans: SpanRecorder, call: ReadableSpan) -> list[ReadableSpan]:
    return sorted(spans.children(call), key=lambda span: span.start_time or 0)


def test_every_public_method_is_traced_under_the_clients_name_for_its_resource() -> None:
    client = EpicClient(api_key="k", base_url="http://127.0.0.1:1/api/external/v1/")
    for name in ("chargers", "charger_ports", "locations", "users", "reports"):
        resource = getattr(client, name)
        assert resource._trace_name == name
        methods = [m for m in dir(resource) if not m.startswith("_")]
        assert methods
        for method in methods:
            assert hasattr(getattr(resource, method), "__wrapped__"), f"{name}.{method}"


async def test_a_listing_is_one_span_with_an_attempt_span_per_request(
    server: FakeEpicServer, spans: SpanRecorder, sleeps: SleepRecorder
) -> None:
    server.fail_next(503, path="offset=100")
    async with traced_client(server, spans, sleeps) as client:
        with spans.tracer.start_as_current_span("job") as job:
            chargers = await client.chargers.list(page_size=50, concurrency=2).collect()
    assert len(chargers) == 250
    [listing] = [s for s in spans.spans if s.name.startswith("epic_async ")]
    assert listing.name == "epic_async chargers.list"
    assert listing.kind is SpanKind.CLIENT
    assert listing.parent is not None and listing.parent.span_id == job.get_span_context().span_id
    assert dict(listing.attributes or {}) == {
        "epic_async.resource": "chargers",
        "epic_async.method": "list",
        "epic_async.records": 250,
        "epic_async.pages": 5,
        "epic_async.retries": 1,
        "epic_async.throttled": 0,
        "epic_async.wait.count": 1,
        "epic_async.wait.seconds": sleeps.delays[0],
    }
    assert listing.status.status_code is StatusCode.UNSET
    [wait] = listing.events
    assert wait.name == "epic_async.wait"
    assert dict(wait.attributes or {}) == {
        "epic_async.wait.seconds": sleeps.delays[0],
        "epic_async.wait.reason": "retry_backoff",
    }

    gets = attempts(spans, listing)
    assert len(gets) == 6  # five pages, one of them twice
    assert all(g.name == "GET" and g.kind is SpanKind.CLIENT for g in gets)
    assert all(spans.is_child(g, listing) for g in gets)
    urls = sorted(str((g.attributes or {})["url.full"]) for g in gets)
    assert urls[0] == f"{server.base_url}charger/?limit=50&offset=0"
    for g in gets:
        attributes = g.attributes or {}
        assert attributes["http.request.method"] == "GET"
        assert attributes["server.address"] == "127.0.0.1"
        assert attributes["server.port"] == int(server.base_url.split(":")[2].split("/")[0])
    [failed] = [g for g in gets if (g.attributes or {})["http.response.status_code"] == 503]
    assert (failed.attributes or {})["error.type"] == "503"
    assert failed.status.status_code is StatusCode.ERROR
    [resent] = [g for g in gets if "http.request.resend_count" in (g.attributes or {})]
    assert (resent.attributes or {})["http.request.resend_count"] == 1
    assert (resent.attributes or {})["url.full"] == (failed.attributes or {})["url.full"]
    assert (resent.attributes or {})["http.response.status_code"] == 200
    assert "error.type" not in (resent.attributes or {})


async def test_the_listing_span_is_never_current_in_the_callers_loop_body(
    server: FakeEpicServer, spans: SpanRecorder, sleeps: SleepRecorder
) -> None:
    async with traced_client(server, spans, sleeps) as client:
        with spans.tracer.start_as_current_span("job") as job:
            async for page in client.chargers.list(page_size=50, concurrency=3).pages():
                assert trace.get_current_span() is job
                with spans.tracer.start_as_current_span("handle page"):
                    assert page
    listing = spans.one("epic_async chargers.list")
    for handled in spans.named("handle page"):
        assert spans.is_child(handled, spans.one("job"))
    assert {s.name for s in spans.children(listing)} == {"GET"}


async def test_breaking_out_ends_the_listing_span_when_the_pager_is_closed(
    server: FakeEpicServer, spans: SpanRecorder, sleeps: SleepRecorder
) -> None:
    async with traced_client(server, spans, sleeps) as client:
        async with aclosing(aiter(client.chargers.list(page_size=50))) as chargers:
            async for _charger in chargers:
                break
        listing = spans.one("epic_async chargers.list")  # already ended: exported
        assert listing.status.status_code is StatusCode.UNSET  # closed early is no error
        assert (listing.attributes or {})["epic_async.records"] == 50
        assert listing.attributes is not None and listing.attributes["epic_async.pages"] == 1


async def test_get_and_get_many_are_one_span_each(
    server: FakeEpicServer, spans: SpanRecorder, sleeps: SleepRecorder
) -> None:
    ids = [c["id"] for c in server.store.list_chargers()[:2]]
    async with traced_client(server, spans, sleeps) as client:
        await client.chargers.get(ids[0])
        found = await client.chargers.get_many([ids[0], "missing", ids[1]], concurrency=2)
    assert [d is not None for d in found] == [True, False, True]

    get = spans.one("epic_async chargers.get")
    [attempt] = spans.children(get)
    assert (attempt.attributes or {})["url.full"] == f"{server.base_url}charger/{ids[0]}/"
    assert (attempt.attributes or {})["http.response.status_code"] == 200

    many = spans.one("epic_async chargers.get_many")
    assert (many.attributes or {})["epic_async.records"] == 2
    assert (many.attributes or {})["epic_async.method"] == "get_many"
    assert many.status.status_code is StatusCode.UNSET  # a missing id is an answer, not an error
    statuses = sorted(
        (a.attributes or {})["http.response.status_code"] for a in attempts(spans, many)
    )  # type: ignore[type-var]
    assert statuses == [200, 200, 404]
    [missing] = [a for a in spans.children(many) if a.status.status_code is StatusCode.ERROR]
    assert (missing.attributes or {})["error.type"] == "404"
    assert not spans.named("epic_async chargers.get")[1:]  # get_many's gets are not calls


async def test_an_error_sets_error_status_with_the_raised_message(
    server: FakeEpicServer, spans: SpanRecorder, sleeps: SleepRecorder
) -> None:
    server.fail_next(403, path="offset=100")
    async with traced_client(server, spans, sleeps) as client:
        with pytest.raises(NotFoundError) as not_found:
            await client.chargers.get("missing")
        with pytest.raises(PaginationError) as stopped:
            await client.chargers.list(page_size=50).collect()
    for name, error in (
        ("epic_async chargers.get", not_found.value),
        ("epic_async chargers.list", stopped.value),
    ):
        span = spans.one(name)
        assert span.status.status_code is StatusCode.ERROR
        assert span.status.description == str(error)
        assert (span.attributes or {})["error.type"] == f"epic_async.{type(error).__name__}"
        [event] = [e for e in span.events if e.name == "exception"]
        assert (event.attributes or {})["exception.message"] == str(error)


async def test_create_many_counts_rows_and_batches_through_a_split_and_a_429(
    spans: SpanRecorder, sleeps: SleepRecorder
) -> None:
    rows = list(charger_rows(120, prefix="OTEL", invalid_every=60))
    invalid = invalid_indexes(120, 60)
    async with FakeEpicServer(chargers=0, max_batch=50, seed=5) as capped:
        capped.fail_next(429, method="POST", retry_after=0.02)
        async with make_client(capped, tracer_provider=spans.provider) as client:
            result = await client.chargers.create_many(rows, batch_size=100, concurrency=2)
    assert len(result.created_indexes) == 120 - len(invalid)

    bulk = spans.one("epic_async chargers.create_many")
    attributes = dict(bulk.attributes or {})
    posts = attempts(spans, bulk)
    statuses = [(p.attributes or {})["http.response.status_code"] for p in posts]
    assert attributes["epic_async.rows.created"] == 120 - len(invalid)
    assert attributes["epic_async.rows.failed"] == len(invalid)
    assert attributes["epic_async.rows.unknown"] == 0
    assert attributes["epic_async.batches"] == len(posts) - 1  # the 429's resend is no new batch
    assert attributes["epic_async.throttled"] == 1 == statuses.count(429)
    assert attributes["epic_async.retries"] == 1
    assert 400 in statuses  # "no more than 50 elements": the batch was split
    assert statuses.count(201) == 3  # 118 valid rows in batches of at most 50
    assert all(p.name == "POST" and spans.is_child(p, bulk) for p in posts)
    [throttled] = [
        p
        for p in posts
        if p.status.status_code is StatusCode.ERROR and (p.attributes or {})["error.type"] == "429"
    ]
    resent = [p for p in posts if "http.request.resend_count" in (p.attributes or {})]
    assert len(resent) == 1 and resent[0].start_time > throttled.start_time  # type: ignore[operator]
    # The 429's pause is an event of the call, not time inside an attempt.
    reasons = [(e.attributes or {})["epic_async.wait.reason"] for e in bulk.events]
    assert "throttle_pause" in reasons


async def test_reconcile_nests_its_lookups_under_create_many(
    spans: SpanRecorder, sleeps: SleepRecorder
) -> None:
    rows = list(charger_rows(6, prefix="RECON"))
    async with FakeEpicServer(chargers=3, seed=6) as fake:
        fake.fail_next("commit_then_drop", method="POST")
        async with traced_client(fake, spans, sleeps) as client:
            result = await client.chargers.create_many(rows, reconcile=True)
    assert result.ok
    bulk = spans.one("epic_async chargers.create_many")
    assert spans.is_child(spans.one("epic_async chargers.list"), bulk)
    assert spans.is_child(spans.one("epic_async chargers.get_many"), bulk)


async def test_rate_limit_waits_are_events_of_the_call(
    server: FakeEpicServer, spans: SpanRecorder, sleeps: SleepRecorder
) -> None:
    async with traced_client(
        server, spans, sleeps, rate_limit=RateLimit(rate=200, burst=1)
    ) as client:
        await client.chargers.list(page_size=50, concurrency=4).collect()
    listing = spans.one("epic_async chargers.list")
    waits = [e for e in listing.events if e.name == "epic_async.wait"]
    assert waits and all(
        (e.attributes or {})["epic_async.wait.reason"] == "rate_limit" for e in waits
    )
    assert all(float((e.attributes or {})["epic_async.wait.seconds"]) >= 0.001 for e in waits)  # type: ignore[arg-type]
    assert (listing.attributes or {})["epic_async.wait.count"] == len(waits)


def test_a_sync_listing_inside_a_parent_span_nests_under_it(
    server_in_thread: FakeEpicServer, spans: SpanRecorder
) -> None:
    with (
        SyncEpicClient(
            api_key=server_in_thread.api_key,
            base_url=server_in_thread.base_url,
            rate_limit=None,
            tracer_provider=spans.provider,
        ) as client,
        spans.tracer.start_as_current_span("nightly job"),
    ):
        chargers = client.chargers.list(page_size=10, concurrency=2).collect()
        client.chargers.get(chargers[0].id)
        for _charger in client.chargers.list(page_size=10):
            break
    job = spans.one("nightly job")
    listing, stopped = sorted(
        spans.named("epic_async chargers.list"), key=lambda s: s.start_time or 0
    )
    assert spans.is_child(listing, job) and spans.is_child(stopped, job)
    assert (listing.attributes or {})["epic_async.records"] == len(chargers) == 50
    gets = spans.children(listing)
    assert len(gets) == 5 and all(g.name == "GET" for g in gets)
    get = spans.one("epic_async chargers.get")
    assert spans.is_child(get, job) and len(spans.children(get)) == 1
    assert (stopped.attributes or {})["epic_async.records"] == 10


async def test_traceparent_goes_out_unless_told_not_to(
    server: FakeEpicServer, spans: SpanRecorder, sleeps: SleepRecorder
) -> None:
    async with traced_client(server, spans, sleeps) as client:
        await client.chargers.list(max_items=1).collect()
    sent = server.counters.header_log[-1]["traceparent"]
    [attempt] = spans.named("GET")
    context = attempt.context
    assert sent == f"00-{context.trace_id:032x}-{context.span_id:016x}-{context.trace_flags:02x}"

    server.counters.header_log.clear()
    async with traced_client(server, spans, sleeps, propagate_trace=False) as quiet:
        await quiet.chargers.list(max_items=1).collect()
        await quiet.with_options(headers={"X-Job": "1"}).chargers.list(max_items=1).collect()
    assert len(spans.named("GET")) == 3  # still traced
    assert all("traceparent" not in seen for seen in server.counters.header_log)

    before = len(spans.spans)
    async with traced_client(server, spans, sleeps, tracing=False) as off:
        await off.chargers.list(max_items=1).collect()
    assert len(spans.spans) == before
    assert "traceparent" not in server.counters.header_log[-1]


async def test_the_generic_aiohttp_instrumentation_does_not_trace_the_sdks_requests_twice(
    server: FakeEpicServer, spans: SpanRecorder, sleeps: SleepRecorder
) -> None:
    instrumented = create_trace_config(tracer_provider=spans.provider)
    async with aiohttp.ClientSession(trace_configs=[instrumented]) as session:
        async with traced_client(server, spans, sleeps, session=session) as client:
            await client.chargers.list(page_size=100).collect()
            async with session.get(server.base_url + "charger/?limit=1") as other:
                assert other.status == 401  # not the SDK's: no key, traced by the instrumentation
        async with traced_client(server, spans, sleeps, session=session, tracing=False) as off:
            await off.chargers.list(max_items=1).collect()

    def scope(span: ReadableSpan) -> str:
        return span.instrumentation_scope.name if span.instrumentation_scope else ""

    ours = [s for s in spans.named("GET") if scope(s) == "epic_async"]
    generic = [s for s in spans.named("GET") if scope(s) != "epic_async"]
    assert len(ours) == 3
    # One from the request made outside the SDK, one from the untraced client's: none doubling ours.
    assert len(generic) == 2
    assert not any(spans.is_child(g, o) for g in generic for o in ours)


async def test_a_429_under_an_adaptive_rate_is_a_throttle_wait_of_the_call(
    server: FakeEpicServer, spans: SpanRecorder, sleeps: SleepRecorder
) -> None:
    server.fail_next(429, path="offset=50", retry_after=0.01)
    limit = RateLimit(rate=1000, burst=100, adaptive=True)
    async with traced_client(server, spans, sleeps, rate_limit=limit) as client:
        await client.chargers.list(page_size=50).collect()
    listing = spans.one("epic_async chargers.list")
    assert (listing.attributes or {})["epic_async.throttled"] == 1
    [wait] = [
        e for e in listing.events if (e.attributes or {})["epic_async.wait.reason"] == "throttle"
    ]
    assert (wait.attributes or {})["epic_async.wait.seconds"] == sleeps.delays[-1]
    [throttled] = [g for g in spans.children(listing) if g.status.status_code is StatusCode.ERROR]
    assert (throttled.attributes or {})["http.response.status_code"] == 429
