"""Micro scenarios without HTTP: C (structuring records) and D (the rate limiter alone)."""

from __future__ import annotations

import asyncio
import gc
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import aiohttp
import orjson

from epic_async._convert import structure_page
from epic_async._ratelimit import RateLimit, RateLimiter
from epic_async.models import Charger
from epic_async.testing import FakeEpicServer

from ._baselines import PydPage, hand_structure
from ._harness import Config, Outcome, Report, rotate

__all__ = ["MicroBench", "fetch_pages"]

DISTINCT = 10_000  # distinct records fetched once; C structures them 10 times over (100k)


async def _fetch(base_url: str, api_key: str, count: int) -> list[bytes]:
    headers = {"Token-Authorization": api_key}
    async with aiohttp.ClientSession(headers=headers) as session:

        async def one(offset: int) -> bytes:
            url = f"{base_url}charger/?limit=100&offset={offset}"
            async with session.get(url) as resp:
                resp.raise_for_status()
                return await resp.read()

        return list(await asyncio.gather(*(one(o) for o in range(0, count, 100))))


def fetch_pages(count: int) -> list[bytes]:
    """``count`` chargers as the simulator serves them: page bodies of 100 records."""
    with FakeEpicServer.run_in_process(chargers=count, latency=0.0, seed=3) as sim:
        return asyncio.run(_fetch(sim.base_url, sim.api_key, count))


def _with_gc(fn: Callable[[], Outcome], enabled: bool) -> Callable[[], Outcome]:
    def run() -> Outcome:
        was = gc.isenabled()
        if not enabled:
            gc.disable()
        try:
            return fn()
        finally:
            if was:
                gc.enable()

    return run


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

    def _load(self) -> None:
        if not self._pages:
            distinct = self.config.scale(DISTINCT)
            self._pages = [orjson.loads(b) for b in fetch_pages(distinct)]

    def c(self) -> None:
        self._load()
        pages = self._pages * 10
        total = sum(len(p["results"]) for p in pages)

        def sdk() -> Outcome:
            out = [structure_page(p, Charger).results for p in pages]
            return Outcome(sum(map(len, out)))

        def hand() -> Outcome:
            out = [[hand_structure(d) for d in p["results"]] for p in pages]
            return Outcome(sum(map(len, out)))

        def pyd() -> Outcome:
            out = [PydPage.model_validate(p).results for p in pages]
            return Outcome(sum(map(len, out)))

        variants: dict[str, Callable[[], Outcome]] = {}
        for gc_on in (True, False):
            tag = "gc" if gc_on else "nogc"
            variants[f"sdk/{tag}"] = _with_gc(sdk, gc_on)
            variants[f"hand-attrs/{tag}"] = _with_gc(hand, gc_on)
            variants[f"pydantic/{tag}"] = _with_gc(pyd, gc_on)
        res = rotate(variants, self.config.runs)
        for tag in ("gc", "nogc"):
            group = {k: v for k, v in res.items() if k.endswith("/" + tag)}
            self.report.add(
                "C", group, baselines=(f"hand-attrs/{tag}", f"pydantic/{tag}"), subject=f"sdk/{tag}"
            )
            ratio = res[f"sdk/{tag}"].cpu / res[f"hand-attrs/{tag}"].cpu
            self.report.target(
                "C", f"SDK / hand-written attrs CPU ({tag})", ratio, 1.5, ratio <= 1.5
            )
            vs = res[f"sdk/{tag}"].cpu / res[f"pydantic/{tag}"].cpu
            self.report.target("C", f"SDK / pydantic CPU ({tag})", vs, 1.0, vs <= 1.0)
        self.report.note("C", f"{total} records from dicts (orjson-decoded off the clock)")

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
            return Outcome(got, {"achieved": (got - burst) / span if span else 0.0})

        acquires = self.config.scale(200_000)

        async def uncontended() -> Outcome:
            limiter = RateLimiter(RateLimit(rate=1e12, burst=1_000_000_000))
            for _ in range(acquires):
                await limiter.acquire()
            return Outcome(acquires)

        variants: dict[str, Callable[[], Outcome]] = {
            "paced": lambda: asyncio.run(paced()),
            "10k-50%-cancel": lambda: asyncio.run(cancelled()),
            "uncontended": lambda: asyncio.run(uncontended()),
        }
        res = rotate(variants, self.config.runs)
        self.report.add("D", res, subject="")
        for name, configured in (("paced", rate), ("10k-50%-cancel", cancel_rate)):
            achieved = res[name].samples
            share = min(float(s.extra["achieved"]) for s in achieved) / configured
            self.report.target(
                "D", f"{name}: achieved / configured rate (worst)", share, 0.98, share >= 0.98
            )
        us = res["uncontended"].cpu / acquires * 1e6
        self.report.target("D", "CPU µs per acquire (uncontended)", us, 5, us <= 5)
        contended = res["10k-50%-cancel"].cpu / waiters * 1e6
        self.report.target(
            "D", "CPU µs per waiter (10k waiters, 50% cancelled)", contended, 5, contended <= 5
        )
        self.report.note(
            "D",
            f"paced: {n} acquires, 10 tasks, RateLimit(rate={rate:g}, burst={burst}); "
            f"cancel: {waiters} waiters at rate {cancel_rate:g}, every other one cancelled; "
            f"uncontended: {acquires} acquires, never waiting",
        )
