"""``FakeEpicServer``: the embedded Epic-Charging API, on loopback, in-process, in a thread or in
its own process (``ServerProcess``, driven over the simulator's ``/_sim/`` admin endpoints)."""

from __future__ import annotations

import asyncio
import json
import secrets
import subprocess
import sys
import threading
import urllib.request
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from types import TracebackType
from typing import Any, Self

import attrs
from aiohttp import web

from ._app import PREFIX, SimState, build_app
from ._drift import DriftKind, DriftNote, Endpoint
from ._served import canonical
from ._shape import Shaper
from ._state import FAULT_KINDS, Knobs, PlannedFault, ServerCounters
from ._store import Record, Store
from ._variant import Variant, as_variant

__all__ = ["FakeEpicServer", "ServerProcess"]


class FakeEpicServer:
    """An ``aiohttp.web`` server implementing every path of the API over a seeded in-memory fleet.

    Use it in async tests (``async with``), from sync code (``run_in_thread()``), or in its own
    process (``run_in_process()``, so its CPU does not count against a benchmarked client).
    Knobs (all keyword-only, changeable later with :meth:`configure`): ``latency`` seconds per
    request, a token bucket (``rate`` per second, ``burst``) answering 429 with ``Retry-After``
    (``retry_after`` fixes its value), random faults (``fault_rate``, ``fault_statuses``),
    ``max_limit`` (the server's page-size cap), ``max_batch`` and ``oversize_status`` (400 or 413)
    for bulk creates, ``bulk_item_delay`` seconds per created item. ``retry_after`` fixes the
    ``Retry-After`` of 429s (sent in the variant's form); ``None`` (the default) sends the time until the bucket's next token
    (and 1 second on injected 429s). ``prerender`` caches whole ``GET charger/`` pages as bytes.
    Keys are checked raw (``Token-Authorization: <key>``); ``auth_prefixes=("Bearer ",)`` also
    accepts keys sent with those prefixes.

    ``variant`` (a :class:`Variant`, its ``to_json()`` dict or a preset name of ``VARIANTS``)
    serves the API the way another DRF tenant or version would (docs/simulator-variants.md):
    records that drift from the documented shapes (``drift_share``), statuses as strings or
    objects, per-item errors as a dict, other oversize answers and ``Retry-After`` forms, DRF's
    window throttle, other page caps. The default serves docs/wire-shapes.md exactly.
    :meth:`drift_of`, :meth:`drift_note`, :meth:`canonical` and :meth:`served` tell a test what a
    record looks like in the docs and on the wire.

    >>> from epic_async import EpicClient
    >>> async with FakeEpicServer(chargers=100) as fake:
    ...     async with EpicClient(api_key=fake.api_key, base_url=fake.base_url) as client:
    ...         chargers = await client.chargers.list().collect()
    ...     fake.fail_next(503, path="charger/")  # the next matching request fails once
    """

    def __init__(
        self,
        *,
        api_keys: Mapping[str, set[str]] | None = None,
        chargers: int = 200,
        locations: int | None = None,
        users: int | None = None,
        sessions: int | None = None,
        faults: int | None = None,
        seed: int = 0,
        default_limit: int = 100,
        max_limit: int = 1000,
        latency: float = 0.0,
        rate: float | None = None,
        burst: int = 10,
        retry_after: float | None = None,
        fault_rate: float = 0.0,
        fault_statuses: tuple[int, ...] = (503,),
        max_batch: int = 100,
        oversize_status: int = 400,
        bulk_item_delay: float = 0.0,
        prerender: bool = False,
        variant: Variant | Mapping[str, Any] | str | None = None,
        auth_prefixes: tuple[str, ...] = (),
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        if api_keys is None:
            api_keys = {f"sim-{secrets.token_hex(8)}": {"read", "write"}}
        self._keys = {k: set(v) for k, v in api_keys.items()}
        knobs = Knobs(
            latency=latency,
            rate=rate,
            burst=burst,
            retry_after=retry_after,
            fault_rate=fault_rate,
            fault_statuses=tuple(fault_statuses),
            default_limit=default_limit,
            max_limit=max_limit,
            max_batch=max_batch,
            oversize_status=oversize_status,
            bulk_item_delay=bulk_item_delay,
            variant=as_variant(variant),
        )
        self.store = Store(
            seed=seed,
            prerender=prerender,
            chargers=chargers,
            locations=locations,
            users=users,
            sessions=sessions,
            faults=faults,
        )
        self._sim = SimState(self.store, knobs, self._keys, seed)
        self._sim.auth_prefixes = tuple(auth_prefixes)
        self._host, self._port = host, port
        self._runner: web.AppRunner | None = None
        self._bound_port: int | None = None
        self._thread: threading.Thread | None = None
        self._thread_loop: asyncio.AbstractEventLoop | None = None

    # --- what tests read -------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        if self._bound_port is None:
            raise RuntimeError("FakeEpicServer is not running: use `async with` or run_in_thread()")
        return f"http://{self._host}:{self._bound_port}{PREFIX}"

    @property
    def api_key(self) -> str:
        """The first key with read and write scopes."""
        return next(k for k, s in self._keys.items() if {"read", "write"} <= s)

    @property
    def counters(self) -> ServerCounters:
        return self._sim.counters

    def reset_counters(self) -> None:
        with self._sim.lock:
            self._sim.counters = ServerCounters()

    def configure(self, **knobs: Any) -> None:
        """Change knobs at runtime (``latency=0.05``, ``rate=100``, ``variant="drifting"``, ...);
        unknown names raise. A new ``variant``, ``rate`` or ``burst`` starts a fresh throttle."""
        names = {f.name for f in attrs.fields(Knobs)}
        unknown = set(knobs) - names
        if unknown:
            raise TypeError(f"unknown knob(s) {sorted(unknown)}; valid: {sorted(names)}")
        sim = self._sim
        variant = as_variant(knobs.pop("variant")) if "variant" in knobs else None
        with sim.lock:
            for name, value in knobs.items():
                setattr(sim.knobs, name, tuple(value) if name == "fault_statuses" else value)
            if variant is not None:
                sim.set_variant(variant)
            elif "rate" in knobs or "burst" in knobs:
                sim.reset_throttle()

    # --- variants: what a record looks like in the docs and on the wire -----------------------

    @property
    def variant(self) -> Variant:
        """The variant being served (``Variant()``: the documented shapes)."""
        return self._sim.knobs.variant

    def _shaper(self) -> Shaper:
        return self._sim.shaper or Shaper(self.variant, self._sim.seed)

    def canonical(self, endpoint: Endpoint, record_id: str) -> Record:
        """The documented JSON of a record on ``endpoint`` (``"charger-list"``, ``"user"``,
        ``"report/fault"``, ...: ``ENDPOINTS``), whatever the variant: the store is never drifted."""
        return canonical(self.store, endpoint, record_id)

    def served(self, endpoint: Endpoint, record_id: str) -> Record:
        """What ``endpoint`` sends for the record now: ``canonical`` through the variant."""
        return self._shaper()(endpoint, self.canonical(endpoint, record_id))

    def drift_of(self, record_id: str, endpoint: Endpoint = "charger-list") -> DriftKind | None:
        """The kind of drift the record gets on ``endpoint``, or ``None`` when it is sent as
        documented. Whether a record drifts depends on the seed and its id only (so a charger
        drifts on all four charger endpoints, or on none); its kind may differ per endpoint."""
        return self._shaper().kind(endpoint, self.canonical(endpoint, record_id))

    def drift_note(self, record_id: str, endpoint: Endpoint = "charger-list") -> DriftNote | None:
        """What the drift of the record on ``endpoint`` changes: the field's path, its canonical
        value and the value sent; ``None`` when the record is sent as documented."""
        return self._shaper().note(endpoint, self.canonical(endpoint, record_id))

    def fail_next(
        self,
        fault: int | str,
        *,
        method: str | None = None,
        path: str | None = None,
        times: int = 1,
        retry_after: float | None = None,
        body: Any = None,
        hang: float = 30.0,
    ) -> None:
        """Make the next ``times`` requests matching ``method`` and ``path`` (a substring of the
        path and query relative to the base URL, e.g. ``"offset=60"``) fail with ``fault``: an
        HTTP status, or one of ``drop``, ``commit_then_drop``, ``commit_then_hang``, ``hang``,
        ``garbage``, ``html``, ``truncated``, ``empty_204``, ``no_count``, ``redirect``."""
        if not isinstance(fault, int) and fault not in FAULT_KINDS:
            raise ValueError(
                f"unknown fault {fault!r}; use a status or one of {sorted(FAULT_KINDS)}"
            )
        planned = PlannedFault(fault, method, path, times, retry_after, body, hang)
        with self._sim.lock:
            self._sim.planned.append(planned)

    # --- in-process lifecycle ----------------------------------------------------------------

    async def start(self) -> None:
        app = build_app(self._sim)
        self._sim.configure = self.configure
        self._sim.reset_counters = self.reset_counters
        # handler_cancellation: a client that gives up (a timeout test) ends its "hang" handler.
        self._runner = web.AppRunner(
            app,
            access_log=None,
            handle_signals=False,
            shutdown_timeout=0.5,
            handler_cancellation=True,
        )
        await self._runner.setup()
        site = web.TCPSite(self._runner, self._host, self._port, reuse_address=True)
        await site.start()
        self._bound_port = int(self._runner.addresses[0][1])

    async def close(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    # --- in another process -----------------------------------------------------------------

    @staticmethod
    def run_in_process(**options: Any) -> ServerProcess:
        """Start a simulator with these keyword arguments in a child process (seeded there, so a
        100k fleet costs the parent nothing); use the result as a context manager. It has
        ``base_url``, ``api_key``, ``counters()``, ``configure(**knobs)``, ``reset_counters()``.
        A ``variant`` reaches the child as JSON (``Variant.to_json()``)."""
        return ServerProcess(options)

    # --- in a thread -------------------------------------------------------------------------

    @contextmanager
    def run_in_thread(self) -> Iterator[Self]:
        """Serve from a daemon thread with its own event loop (for sync code and sync tests)."""
        loop = asyncio.new_event_loop()
        started = threading.Event()
        failure: list[BaseException] = []

        def serve() -> None:
            asyncio.set_event_loop(loop)
            try:
                loop.run_until_complete(self.start())
            except BaseException as exc:
                failure.append(exc)
                started.set()
                return
            started.set()
            loop.run_forever()
            loop.run_until_complete(self.close())
            # Handlers still sleeping (a "hang" fault) outlive the shutdown grace: end them here.
            leftovers = asyncio.all_tasks(loop)
            for task in leftovers:
                task.cancel()
            loop.run_until_complete(asyncio.gather(*leftovers, return_exceptions=True))
            loop.close()

        thread = threading.Thread(target=serve, name="FakeEpicServer", daemon=True)
        thread.start()
        started.wait()
        if failure:
            raise failure[0]
        try:
            yield self
        finally:
            loop.call_soon_threadsafe(loop.stop)
            thread.join(timeout=10)


class ServerProcess:
    """A running ``FakeEpicServer`` child process (see ``FakeEpicServer.run_in_process``).

    >>> from epic_async import SyncEpicClient
    >>> with FakeEpicServer.run_in_process(chargers=1_000, latency=0.05) as sim:
    ...     with SyncEpicClient(api_key=sim.api_key, base_url=sim.base_url) as client:
    ...         chargers = client.chargers.list().collect()  # the client benchmarked
    ...     print(len(chargers), sim.counters()["requests"])
    1000 10
    """

    def __init__(self, options: dict[str, Any]) -> None:
        self.api_key = f"sim-{secrets.token_hex(8)}"
        options = {**_as_json(options), "api_keys": {self.api_key: ["read", "write"]}}
        self._process = subprocess.Popen(
            [sys.executable, "-m", "epic_async.testing", "--options", json.dumps(options)],
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self._process.stdout is not None
        line = self._process.stdout.readline()
        if not line:
            self._process.wait(timeout=10)
            raise RuntimeError(f"the simulator process exited with {self._process.returncode}")
        self.base_url: str = json.loads(line)["base_url"]
        self._admin = self.base_url.split("/api/", 1)[0] + "/_sim/"

    def _call(self, name: str, payload: dict[str, Any] | None = None) -> Any:
        data = None if payload is None else json.dumps(payload).encode()
        request = urllib.request.Request(self._admin + name, data=data, method="POST" if data is not None else "GET")  # fmt: skip
        with urllib.request.urlopen(request, timeout=30) as answer:
            return json.loads(answer.read())

    def counters(self) -> dict[str, Any]:
        """requests, by_route, by_status, throttled, faults_injected, max_in_flight,
        created_ids_count, created_ids_unique."""
        result: dict[str, Any] = self._call("counters")
        return result

    def configure(self, **knobs: Any) -> None:
        self._call("configure", _as_json(knobs))

    def reset_counters(self) -> None:
        self._call("reset", {})

    def close(self) -> None:
        if self._process.poll() is None:
            self._process.terminate()
            try:
                self._process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
        if self._process.stdout is not None:
            self._process.stdout.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


def _as_json(options: dict[str, Any]) -> dict[str, Any]:
    """``options`` with a ``Variant`` as its JSON dict (JSON has no attrs classes)."""
    variant = options.get("variant")
    if isinstance(variant, Variant):
        return {**options, "variant": variant.to_json()}
    return options
