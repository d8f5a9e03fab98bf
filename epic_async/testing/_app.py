"""The simulator's HTTP side: one aiohttp app serving every path of the API contract (docs/api-contract.md) from a :class:`Store`.

A middleware does what a real gateway does before the view runs (counting, auth, the token
bucket, latency) plus the fault injection tests ask for; the views do what Django REST Framework
would (filters, limit/offset pages with absolute ``next`` URLs, transactional bulk creates).
"""

from __future__ import annotations

import asyncio
import math
import random
import threading
import time
from collections.abc import Awaitable, Callable
from datetime import date
from typing import Any

import orjson
from aiohttp import web
from multidict import CIMultiDict

from ._drift import Endpoint
from ._rules import NON_FIELD_ERRORS, invalid_choice_query, renamed_non_field_errors
from ._shape import Shaper, make_shaper
from ._state import Knobs, PlannedFault, ServerCounters, TokenBucket
from ._store import Record, Store
from ._throttle import DrfWindow, retry_after_value, throttled_detail
from ._variant import Variant, parse_rate

__all__ = [
    "PREFIX",
    "SIM",
    "SimState",
    "build_app",
    "choice",
    "csv_param",
    "date_param",
    "invalid",
    "json_response",
    "page",
    "page_bytes",
    "shaped",
    "window",
]

PREFIX = "/api/external/v1/"
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class SimState:
    """Everything the views and the middleware share."""

    def __init__(self, store: Store, knobs: Knobs, keys: dict[str, set[str]], seed: int) -> None:
        self.store = store
        self.knobs = knobs
        self.keys = keys
        self.auth_prefixes: tuple[str, ...] = ()
        self.counters = ServerCounters()
        self.planned: list[PlannedFault] = []
        self.lock = threading.Lock()
        self.rng = random.Random(seed ^ 0x5EED)
        self.seed = seed
        self.bucket: TokenBucket | None = None
        self.drf_window: DrfWindow | None = None
        self.shaper: Shaper | None = None
        self.retry_turn = 0  # how many 429s sent, for Retry-After "rotate"
        self.set_variant(knobs.variant)
        # Set by FakeEpicServer, for the /_sim/ admin endpoints of run_in_process().
        self.configure: Callable[..., None] = lambda **_: None
        self.reset_counters: Callable[[], None] = lambda: None

    def set_variant(self, variant: Variant) -> None:
        """Serve ``variant`` from now on (records, throttle); caches are rendered again."""
        self.knobs.variant = variant
        shaper = make_shaper(variant, self.seed)
        if shaper is not None or self.shaper is not None:
            self.store.set_shaper(shaper)
        self.shaper = shaper
        self.retry_turn = 0
        self.reset_throttle()

    def reset_throttle(self) -> None:
        """Build the throttle the knobs and the variant ask for (a fresh one: history forgotten)."""
        knobs, variant = self.knobs, self.knobs.variant
        limit = parse_rate(variant.throttle_rate) if variant.throttle_rate else None
        self.bucket = self.drf_window = None
        if variant.throttle == "drf_window":
            if limit is not None:
                self.drf_window = DrfWindow(*limit)
            return
        rate = limit[0] / limit[1] if limit is not None else knobs.rate
        if rate:
            self.bucket = TokenBucket(rate, variant.burst or knobs.burst)

    def retry_after_headers(self, seconds: float) -> dict[str, str] | None:
        """The ``Retry-After`` of one 429, in the variant's form."""
        with self.lock:
            turn, self.retry_turn = self.retry_turn, self.retry_turn + 1
        value = retry_after_value(self.knobs.variant.retry_after, seconds, turn=turn)
        return None if value is None else {"Retry-After": value}

    def take_fault(self, method: str, target: str) -> PlannedFault | None:
        with self.lock:
            for fault in self.planned:
                if fault.matches(method, target):
                    fault.times -= 1
                    if fault.times <= 0:
                        self.planned.remove(fault)
                    return fault
        return None


SIM = web.AppKey("sim", SimState)


def json_response(
    data: Any, status: int = 200, headers: dict[str, str] | None = None
) -> web.Response:
    return web.Response(
        body=orjson.dumps(data), status=status, content_type="application/json", headers=headers
    )


def invalid(errors: dict[str, Any]) -> web.HTTPBadRequest:
    """A bad query or body, to raise: answered 400 with DRF's field errors."""
    return web.HTTPBadRequest(text=orjson.dumps(errors).decode(), content_type="application/json")


# --- middleware -------------------------------------------------------------------------------


def _route(request: web.Request) -> str:
    resource = request.match_info.route.resource
    canonical = resource.canonical if resource is not None else request.path
    return canonical.removeprefix(PREFIX)


@web.middleware
async def _gateway(request: web.Request, handler: Handler) -> web.StreamResponse:
    if request.path.startswith("/_sim/"):
        return await handler(request)
    sim: SimState = request.app[SIM]
    counters, knobs = sim.counters, sim.knobs
    target = request.path_qs.removeprefix(PREFIX)
    with sim.lock:
        counters.requests += 1
        counters.by_route[f"{request.method} {_route(request)}"] += 1
        counters.request_log.append(
            (
                request.method,
                request.path.removeprefix(PREFIX),
                dict(request.query),
                time.monotonic(),
            )
        )
        seen_headers = CIMultiDict(request.headers)
        seen_headers.popall("Token-Authorization", None)
        counters.header_log.append(seen_headers)
        counters.in_flight += 1
        counters.max_in_flight = max(counters.max_in_flight, counters.in_flight)
    status: int | None = None
    try:
        response = await _guarded(request, handler, sim, knobs, target)
        status = response.status if response.status != _DROPPED else None
        return response
    except web.HTTPException as exc:
        status = exc.status
        raise
    finally:
        with sim.lock:
            counters.in_flight -= 1
            if status is not None:
                counters.by_status[status] += 1


async def _guarded(
    request: web.Request, handler: Handler, sim: SimState, knobs: Knobs, target: str
) -> web.StreamResponse:
    # The raw key (docs/api-contract.md §1). Strict by default, so that a client adding "Bearer " is caught;
    # FakeEpicServer(auth_prefixes=("Bearer ", "Token ")) tolerates such prefixes.
    key = request.headers.get("Token-Authorization", "")
    for prefix in sim.auth_prefixes:
        key = key.removeprefix(prefix)
    scopes = sim.keys.get(key)
    if not key:
        return json_response({"detail": "Authentication credentials were not provided."}, 401)
    if scopes is None:
        return json_response({"detail": "Invalid token."}, 401)
    if ("read" if request.method == "GET" else "write") not in scopes:
        return json_response({"detail": "You do not have permission to perform this action."}, 403)

    fault = sim.take_fault(request.method, target)
    if fault is not None:
        sim.counters.faults_injected += 1
        return await _inject(fault, request, handler, sim)
    if knobs.fault_rate and sim.rng.random() < knobs.fault_rate:
        sim.counters.faults_injected += 1
        status = sim.rng.choice(knobs.fault_statuses)
        return _error(sim, status, knobs.retry_after if knobs.retry_after is not None else 1.0)
    throttled = _throttle(sim, key)
    if throttled is not None:
        return throttled
    if not knobs.latency:
        return await handler(request)
    # The answer leaves `latency` after the request arrived, the server's own work included, so
    # that the latency floor of a benchmark is reachable (and not latency + processing).
    loop = asyncio.get_running_loop()
    ready_at = loop.time() + knobs.latency
    response = await handler(request)
    remaining = ready_at - loop.time()
    if remaining > 0:
        await asyncio.sleep(remaining)
    return response


def _throttle(sim: SimState, key: str) -> web.Response | None:
    """A 429 if the server's throttle (token bucket or DRF window) refuses this request."""
    bucket, drf_window, fixed = sim.bucket, sim.drf_window, sim.knobs.retry_after
    if bucket is not None:
        wait = bucket.take()
        if not wait:
            return None
        detail = f"Request was throttled. Expected available in {max(1, round(wait))} second."
    elif drf_window is not None:
        wait = drf_window.take(key)
        if not wait:
            return None
        wait = float(math.ceil(wait))  # DRF rounds its wait up to whole seconds
        detail = throttled_detail(wait)
    else:
        return None
    sim.counters.throttled += 1
    headers = sim.retry_after_headers(fixed if fixed is not None else wait)
    return json_response({"detail": detail}, 429, headers)


def _error(sim: SimState, status: int, retry_after: float | None, body: Any = None) -> web.Response:
    headers = sim.retry_after_headers(retry_after) if status == 429 and retry_after else None
    detail = {429: "Request was throttled."}.get(status, f"Simulated {status} error.")
    return json_response(body if body is not None else {"detail": detail}, status, headers)


_DROPPED = 499  # the status of a response that never leaves: its connection was closed


def _drop(request: web.Request) -> web.Response:
    if request.transport is not None:
        request.transport.abort()
    return web.Response(status=_DROPPED)  # never reaches the client: the connection is gone


async def _inject(
    fault: PlannedFault, request: web.Request, handler: Handler, sim: SimState
) -> web.StreamResponse:
    kind = fault.kind
    if isinstance(kind, int):
        retry = fault.retry_after if fault.retry_after is not None else sim.knobs.retry_after
        return _error(sim, kind, retry if retry is not None else 1.0, fault.body)
    if kind == "drop":
        return _drop(request)
    if kind == "hang":
        await asyncio.sleep(fault.hang)
        return await handler(request)
    if kind in ("commit_then_drop", "commit_then_hang"):
        response = await handler(request)
        if kind == "commit_then_drop":
            return _drop(request)
        await asyncio.sleep(fault.hang)
        return response
    if kind == "garbage":
        return web.Response(body=b"not json at all", content_type="application/json")
    if kind == "html":
        page = "<html><body><h1>502 Bad Gateway</h1></body></html>"
        return web.Response(text=page, status=502, content_type="text/html")
    if kind == "empty_204":
        return web.Response(status=204)
    if kind == "redirect":
        return web.Response(status=302, headers={"Location": "http://evil.example.com/steal"})
    if kind == "truncated":
        body = b'{"count": 1, "next": null, "previous": null, "results": [{"id": "trunc'
        response = web.StreamResponse(headers={"Content-Type": "application/json"})
        response.content_length = len(body) + 500
        await response.prepare(request)
        await response.write(body)
        if request.transport is not None:
            request.transport.abort()
        return response
    if kind == "no_count":
        response = await handler(request)
        assert isinstance(response, web.Response) and isinstance(response.body, bytes)
        data = orjson.loads(response.body)
        data.pop("count", None)
        return json_response(data, response.status)
    raise AssertionError(f"unknown fault {kind!r}")  # fail_next() validated it


# --- listing ------------------------------------------------------------------------------------


def int_param(request: web.Request, name: str, default: int) -> int:
    raw = request.query.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise invalid({name: ["A valid integer is required."]}) from None
    if value < 0:
        raise invalid({name: ["Ensure this value is greater than or equal to 0."]})
    return value


def window(request: web.Request, knobs: Knobs) -> tuple[int, int]:
    limit = int_param(request, "limit", knobs.default_limit) or knobs.default_limit
    cap = knobs.variant.max_limit or knobs.max_limit
    return min(limit, cap), int_param(request, "offset", 0)


def links(
    request: web.Request, count: int, limit: int, offset: int
) -> tuple[str | None, str | None]:
    url = request.url
    nxt = (
        str(url.update_query(limit=limit, offset=offset + limit))
        if offset + limit < count
        else None
    )
    prev = None
    if offset > 0:
        # DRF's LimitOffsetPagination drops `offset` from the link back to the first page.
        back = offset - limit
        first = url.update_query(limit=limit).without_query_params("offset")
        prev = str(url.update_query(limit=limit, offset=back) if back > 0 else first)
    return nxt, prev


def page_bytes(request: web.Request, count: int, limit: int, offset: int, items: bytes) -> bytes:
    nxt, prev = links(request, count, limit, offset)
    return b'{"count":%d,"next":%b,"previous":%b,"results":[%b]}' % (
        count,
        orjson.dumps(nxt),
        orjson.dumps(prev),
        items,
    )


def page(request: web.Request, rows: list[Record], render: Callable[[Record], Any]) -> web.Response:
    limit, offset = window(request, request.app[SIM].knobs)
    items = b",".join(orjson.dumps(render(r)) for r in rows[offset : offset + limit])
    body = page_bytes(request, len(rows), limit, offset, items)
    return web.Response(body=body, content_type="application/json")


def shaped(
    request: web.Request, endpoint: Endpoint, render: Callable[[Record], Any]
) -> Callable[[Record], Any]:
    """``render``, then the variant's shaping of what it renders (``render`` itself if none)."""
    shaper = request.app[SIM].shaper
    if shaper is None:
        return render
    return lambda record: shaper(endpoint, render(record))


def choice(request: web.Request, name: str, choices: tuple[str, ...]) -> str | None:
    value = request.query.get(name)
    if value is not None and value not in choices:
        raise invalid(invalid_choice_query(name, value))
    return value


def date_param(request: web.Request, name: str) -> str | None:
    value = request.query.get(name)
    if value is None:
        return None
    try:
        return date.fromisoformat(value).isoformat()
    except ValueError:
        raise invalid({name: ["Enter a valid date."]}) from None


def csv_param(request: web.Request, name: str) -> set[str] | None:
    value = request.query.get(name)
    return None if value is None else {v for v in value.split(",") if v}


def build_app(sim: SimState) -> web.Application:
    """The aiohttp application; views live in :mod:`._views`."""
    from ._views import add_routes

    app = web.Application(middlewares=[_errors, _gateway])
    app[SIM] = sim
    add_routes(app)
    return app


@web.middleware
async def _errors(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Unknown paths and methods answer DRF's JSON bodies, not aiohttp's text ones."""
    try:
        return await handler(request)
    except web.HTTPNotFound:
        return json_response({"detail": "Not found."}, 404)
    except web.HTTPMethodNotAllowed:
        return json_response({"detail": f'Method "{request.method}" not allowed.'}, 405)
    except web.HTTPBadRequest as exc:  # DRF's NON_FIELD_ERRORS_KEY is a setting: the variant's
        key = request.app[SIM].knobs.variant.non_field_errors_key
        if key == NON_FIELD_ERRORS or exc.content_type != "application/json" or not exc.text:
            raise
        return json_response(renamed_non_field_errors(orjson.loads(exc.text), key), 400)
