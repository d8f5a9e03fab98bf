"""Micro scenarios without HTTP: C (structuring records) and D (the rate limiter alone).

C also times one page from bytes (decode + structure) and pages where every 20th record has
drifted from the documented shape (:data:`DRIFTS`), against the same pages clean.
"""

from __future__ import annotations

import asyncio
import gc
import tracemalloc
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import aiohttp
import orjson

from epic_async._ratelimit import RateLimit, RateLimiter
from epic_async.models import Charger, ChargerDetail
from epic_async.testing import FakeEpicServer

from ._baselines import PydPage, hand_structure
from ._harness import Config, Outcome, Report, Result, rotate, with_gc
from ._sdk import loads, structure, structure_page

__all__ = ["DRIFTS", "MicroBench", "drift_pages", "fetch_bodies"]

DISTINCT = 10_000  # distinct records fetched once; C structures them 10 times over (100k)
_C_GROUP = ("sdk", "hand-attrs", "pydantic")
BYTES_PAGES = 300  # times C decodes and structures one page from bytes (100 records each)
DRIFT_EVERY = 20  # every 20th record drifts: 5 %


def _status_string(r: dict[str, Any]) -> None:
    status = r.get("status")
    r["status"] = status.get("key", "AVAILABLE") if isinstance(status, dict) else "AVAILABLE"


def _temperature_string(r: dict[str, Any]) -> None:
    value = r.get("temperature")
    r["temperature"] = str(value) if isinstance(value, int | float) else "21.5"


def _location_object(r: dict[str, Any]) -> None:
    r["location_name"] = {"name": r.get("location_name") or "X"}


def _payment_lower(r: dict[str, Any]) -> None:
    value = r.get("payment_type")
    r["payment_type"] = value.lower() if isinstance(value, str) else "paid"


def _unknown_key(r: dict[str, Any]) -> None:
    r["telemetry"] = {"voltage": 230}


def _zulu(r: dict[str, Any]) -> None:
    ports = r.get("ports") or [{}]
    started = [p for p in ports if isinstance(p.get("charging_start_at"), str)]
    if started:
        port = started[0]
        port["charging_start_at"] = port["charging_start_at"].replace("+00:00", "Z")
    else:
        ports[0]["charging_start_at"] = "2026-12-01T00:00:00Z"


# The drifts a server may ship without notice, applied in turn to every 20th record.
DRIFTS: tuple[tuple[str, Callable[[dict[str, Any]], None]], ...] = (
    ("status as a string", _status_string),
    ("temperature as a numeric string", _temperature_string),
    ("location_name as an object", _location_object),
    ("payment_type lower-case", _payment_lower),
    ("unknown key telemetry", _unknown_key),
    ("charging_start_at ending in Z", _zulu),
)


def drift_pages(
    pages: list[dict[str, Any]], only: int | None = None
) -> tuple[list[dict[str, Any]], int]:
    """A deep copy of ``pages`` where every 20th record has drifted; and how many did.

    The drifts of :data:`DRIFTS` cycle over the drifted records, or ``only`` that one."""
    out: list[dict[str, Any]] = orjson.loads(orjson.dumps(pages))
    records = [r for page in out for r in page["results"]]
    drifted = records[::DRIFT_EVERY]
    for n, record in enumerate(drifted):
        DRIFTS[n % len(DRIFTS) if only is None else only][1](record)
    return out, len(drifted)


def _raises(pages: list[dict[str, Any]]) -> str | None:
    """The name of the exception structuring ``pages`` raises, or None."""
    try:
        for page in pages:
            structure_page(page, Charger)
    except Exception as exc:
        return type(exc).__name__
    return None


async def _fetch(base_url: str, api_key: str, count: int) -> tuple[list[bytes], list[bytes]]:
    async with aiohttp.ClientSession(headers={"Token-Authorization": api_key}) as session:

        async def get(path: str) -> bytes:
            async with session.get(base_url + path) as resp:
                resp.raise_for_status()
                return await resp.read()

        pages = await asyncio.gather(
            *(get(f"charger/?limit=100&offset={o}") for o in range(0, count, 100))
        )
        ids = [r["id"] for r in orjson.loads(pages[0])["results"]]
        details = await asyncio.gather(*(get(f"charger/{i}/") for i in ids))
        return list(pages), list(details)


def fetch_bodies(count: int) -> tuple[list[bytes], list[bytes]]:
    """``count`` chargers as the simulator serves them: page bodies of 100 records, and the
    detail bodies (``GET charger/{id}/``) of the first page's chargers."""
    with FakeEpicServer.run_in_process(chargers=count, latency=0.0, seed=3) as sim:
        return asyncio.run(_fetch(sim.base_url, sim.api_key, count))


def _structure_bodies(bodies: list[bytes], cls: type[Any]) -> list[Any]:
    return [r for b in bodies for r in structure_page(loads(b), cls).results]


def _retained(build: Callable[[], list[Any]]) -> float:
    """Bytes per item of the list ``build`` returns, counting only what the list keeps alive
    (after one untraced warm-up: the SDK generates and caches its fast path on first use)."""
    build()
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        kept = build()
        gc.collect()
        after = tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()
    return (after - before) / len(kept) if kept else 0.0


async def _paced(limiter: RateLimiter, n: int, workers: int) -> list[float]:
    """``n`` acquires by ``workers`` tasks; the time each token was granted."""
    loop = asyncio.get_running_loop()
    stamps: list[float] = []
    remaining = iter(range(n))

    async def worker() -> None:
        for _ in remaining:
            await limiter.acquire()
            stamps.append(loop.time())

    await asyncio.gather(*(worker() for _ in range(workers)))
    return stamps


@dataclass
class MicroBench:
    config: Config
    report: Report
    _pages: list[dict[str, Any]] = field(default_factory=list)
    _bodies: list[bytes] = field(default_factory=list)
    _details: list[bytes] = field(default_factory=list)

    def _load(self) -> None:
        if not self._pages:
            distinct = self.config.scale(DISTINCT)
            self._bodies, self._details = fetch_bodies(distinct)
            self._pages = [orjson.loads(b) for b in self._bodies]

    def c(self) -> None:
        self._load()
        pages = self._pages * 10
        total = sum(len(p["results"]) for p in pages)
        body = self._bodies[0]
        per_body = len(self._pages[0]["results"])
        body_reps = self.config.scale(BYTES_PAGES)
        drifted_distinct, drifted_count = drift_pages(self._pages)
        drifted = drifted_distinct * 10
        drift_error = _raises(drifted_distinct)

        def sdk() -> Outcome:
            out = [structure_page(p, Charger).results for p in pages]
            return Outcome(sum(map(len, out)))

        def hand() -> Outcome:
            out = [[hand_structure(d) for d in p["results"]] for p in pages]
            return Outcome(sum(map(len, out)))

        def pyd() -> Outcome:
            out = [PydPage.model_validate(p).results for p in pages]
            return Outcome(sum(map(len, out)))

        def from_bytes() -> Outcome:
            out = [structure_page(loads(body), Charger).results for _ in range(body_reps)]
            return Outcome(sum(map(len, out)))

        def sdk_drifted() -> Outcome:
            out = [structure_page(p, Charger).results for p in drifted]
            return Outcome(sum(map(len, out)))

        variants: dict[str, Callable[[], Outcome]] = {}
        for gc_on in (True, False):
            tag = "gc" if gc_on else "nogc"
            variants[f"sdk/{tag}"] = with_gc(sdk, gc_on)
            variants[f"hand-attrs/{tag}"] = with_gc(hand, gc_on)
            variants[f"pydantic/{tag}"] = with_gc(pyd, gc_on)
        variants["sdk-bytes/gc"] = with_gc(from_bytes, True)
        if drift_error is None:
            variants["sdk-drift5%/gc"] = with_gc(sdk_drifted, True)
        res = rotate(variants, self.config.runs)
        for tag in ("gc", "nogc"):
            group = {k: v for k, v in res.items() if k in {f"{n}/{tag}" for n in _C_GROUP}}
            self.report.add(
                "C", group, baselines=(f"hand-attrs/{tag}", f"pydantic/{tag}"), subject=f"sdk/{tag}"
            )
            sdk_cpu = res[f"sdk/{tag}"].cpu
            self.report.check("C", f"vs-hand/{tag}", sdk_cpu / res[f"hand-attrs/{tag}"].cpu)
            self.report.check("C", f"vs-pyd/{tag}", sdk_cpu / res[f"pydantic/{tag}"].cpu)
        self.report.note("C", f"{total} records from dicts (orjson-decoded off the clock)")

        self.report.add("C", {"sdk-bytes/gc": res["sdk-bytes/gc"]}, subject="")
        self.report.check("C", "bytes", res["sdk-bytes/gc"].cpu / (body_reps * per_body) * 1e6)
        self.report.note(
            "C",
            f"sdk-bytes: one {len(body) / 1024:.0f} KiB page of {per_body} chargers, loads + "
            f"structure_page, {body_reps} times",
        )
        self._drift(res, total, drifted_count * 10, drift_error)
        self._memory()

    def _memory(self) -> None:
        """Bytes a structured record keeps alive once its page's bytes and dicts are gone."""
        listed, details = self._bodies[:20], self._details
        kept = {
            "Charger (listed)": _retained(lambda: _structure_bodies(listed, Charger)),
            "hand-written attrs Charger": _retained(
                lambda: [hand_structure(d) for b in listed for d in loads(b)["results"]]
            ),
            "ChargerDetail (get)": _retained(
                lambda: [structure(loads(b), ChargerDetail) for b in details]
            ),
        }
        for name, per_record in kept.items():
            self.report.figure("C", f"bytes per {name} kept in a list", per_record)
        self.report.note(
            "C",
            "memory (tracemalloc, what a list of records keeps once bytes and dicts are freed): "
            + ", ".join(f"{name} {b:.0f} B" for name, b in kept.items()),
        )

    def _drift(self, res: dict[str, Result], total: int, drifted: int, error: str | None) -> None:
        """Report the drifted pages against the same pages clean (CPU µs per record, gc on)."""
        clean_us = res["sdk/gc"].cpu / total * 1e6
        names = ", ".join(name for name, _ in DRIFTS)
        what = f"every {DRIFT_EVERY}th record drifted, {drifted} of {total}, in turn: {names}"
        self.report.figure("C", "clean page µs/record", clean_us)
        if error is not None:
            self.report.figure("C", "drifted page raises", error)
            kinds = "; ".join(
                f"{name}: {_raises(drift_pages(self._pages[:1], only=i)[0]) or 'ok'}"
                for i, (name, _) in enumerate(DRIFTS)
            )
            self.report.note(
                "C",
                f"drifted page: raises {error}; clean page: {clean_us:.2f} µs/record; {what}. "
                f"Each drift alone on every {DRIFT_EVERY}th record of one page: {kinds}",
            )
            return
        result = res["sdk-drift5%/gc"]
        self.report.add("C", {"sdk-drift5%/gc": result}, subject="")
        drift_us = result.cpu / total * 1e6
        extra = (result.cpu - res["sdk/gc"].cpu) / drifted * 1e6
        self.report.figure("C", "drifted page µs/record", drift_us)
        self.report.figure("C", "extra µs per drifted record", extra)
        self.report.note(
            "C",
            f"drifted page: {drift_us:.2f} µs/record vs clean page {clean_us:.2f} µs/record "
            f"(CPU, gc on, same pages): {extra:+.1f} µs per drifted record; {what}",
        )

    def d(self) -> None:
        rate, burst = 1000.0, 10
        n = self.config.scale(2_000)

        async def paced() -> Outcome:
            limiter = RateLimiter(RateLimit(rate=rate, burst=burst))
            stamps = await _paced(limiter, n, workers=10)
            span = stamps[-1] - stamps[0]
            return Outcome(n, {"achieved": (n - burst) / span if span else 0.0})

        waiters, cancel_rate = self.config.scale(10_000), 5000.0

        async def cancelled() -> Outcome:
            limiter = RateLimiter(RateLimit(rate=cancel_rate, burst=burst))
            loop = asyncio.get_running_loop()
            stamps: list[float] = []

            async def one() -> None:
                await limiter.acquire()
                stamps.append(loop.time())

            tasks = [asyncio.create_task(one()) for _ in range(waiters)]
            await asyncio.sleep(0)  # every waiter is queued on the bucket
            for task in tasks[1::2]:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            span = stamps[-1] - stamps[0]
            got = len(stamps)
            # Also from the first grant after the burst: the burst goes while the 10,000 tasks
            # are still being created, and that creation (and the 5,000 cancellations) holds the
            # loop for ~50 ms before the bucket can serve the queue; a bucket may not bank more
            # than its burst meanwhile. Reported next to the target's figure, not instead of it.
            queued = stamps[-1] - stamps[burst]
            return Outcome(
                got,
                {
                    "achieved": (got - burst) / span if span else 0.0,
                    "achieved_queued": (got - burst - 1) / queued if queued else 0.0,
                },
            )

        async def floor() -> Outcome:
            # asyncio's own cost for the same waiters, no limiter: each suspended on a bare
            # future, every other one cancelled, the rest released ``burst`` at a time by a bare
            # 1 ms timer (the pacing that costs least). What a limiter adds is the difference.
            loop = asyncio.get_running_loop()
            queue: deque[asyncio.Future[None]] = deque()

            async def one() -> None:
                future = loop.create_future()
                queue.append(future)
                await future

            def release() -> None:
                granted = 0
                while queue and granted < burst:
                    future = queue.popleft()
                    if not future.done():
                        future.set_result(None)
                        granted += 1
                if queue:
                    loop.call_later(0.001, release)

            tasks = [asyncio.create_task(one()) for _ in range(waiters)]
            await asyncio.sleep(0)
            for task in tasks[1::2]:
                task.cancel()
            release()
            await asyncio.gather(*tasks, return_exceptions=True)
            return Outcome(waiters // 2)

        acquires = self.config.scale(200_000)

        async def uncontended() -> Outcome:
            limiter = RateLimiter(RateLimit(rate=1e12, burst=1_000_000_000))
            for _ in range(acquires):
                await limiter.acquire()
            return Outcome(acquires)

        variants: dict[str, Callable[[], Outcome]] = {
            "paced": lambda: asyncio.run(paced()),
            "10k-50%-cancel": lambda: asyncio.run(cancelled()),
            "10k-floor": lambda: asyncio.run(floor()),
            "uncontended": lambda: asyncio.run(uncontended()),
        }
        res = rotate(variants, self.config.runs)
        self.report.add("D", res, subject="")
        rated = (("paced", "rate-paced", rate), ("10k-50%-cancel", "rate-cancel", cancel_rate))
        for name, key, configured in rated:
            achieved = res[name].samples
            share = min(float(s.extra["achieved"]) for s in achieved) / configured
            self.report.check("D", key, share)
        queued = min(float(s.extra["achieved_queued"]) for s in res["10k-50%-cancel"].samples)
        self.report.figure("D", "10k-50%-cancel achieved once queued (worst)", queued / cancel_rate)
        self.report.note(
            "D",
            f"10k-50%-cancel, measured from the first grant after the burst (the queue formed): "
            f"{queued / cancel_rate:.3f} of the configured rate (worst run)",
        )
        self.report.check("D", "cpu-waiter", res["10k-50%-cancel"].cpu / waiters * 1e6)
        floor_us = res["10k-floor"].cpu / waiters * 1e6
        self.report.figure("D", "CPU µs per waiter, asyncio floor", floor_us)
        self.report.note(
            "D",
            f"10k-floor: the same waiters on bare futures released {burst} per 1 ms timer, no "
            f"limiter: {floor_us:.1f} µs CPU per waiter (asyncio's own share of the figure above)",
        )
        self.report.check("D", "cpu-acquire", res["uncontended"].cpu / acquires * 1e6)
        self.report.note(
            "D",
            f"paced: {n} acquires, 10 tasks, RateLimit(rate={rate:g}, burst={burst}); "
            f"cancel: {waiters} waiters at rate {cancel_rate:g}, every other one cancelled; "
            f"uncontended: {acquires} acquires, never waiting",
        )
