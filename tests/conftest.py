"""Shared fixtures: the simulator over loopback, a client bound to it, and aioresponses compat."""

from __future__ import annotations

import inspect
import shutil
from collections.abc import AsyncIterator, Iterator
from typing import Any

import aiohttp
import pytest
from aioresponses import aioresponses

from epic_async import EpicClient, RateLimit, RetryPolicy
from epic_async.testing import FakeEpicServer
from epic_async.testing._redis_server import RedisServer

# The real DRF app's fixtures, registered once: Django allows one server per process, and a
# session fixture imported into several modules would be several fixtures, hence several servers.
from .drf_server.fixtures import drf, drf_server

__all__ = ["drf", "drf_server"]


class SleepRecorder:
    """An injectable ``sleep`` that records the delays instead of waiting them out."""

    def __init__(self) -> None:
        self.delays: list[float] = []

    async def __call__(self, delay: float) -> None:
        self.delays.append(delay)


@pytest.fixture
def sleeps() -> SleepRecorder:
    return SleepRecorder()


@pytest.fixture
async def server() -> AsyncIterator[FakeEpicServer]:
    async with FakeEpicServer(chargers=250, seed=1) as fake:
        yield fake


@pytest.fixture
async def client(server: FakeEpicServer, sleeps: SleepRecorder) -> AsyncIterator[EpicClient]:
    """A client on the simulator with no rate limit and recorded (not waited) retry sleeps."""
    async with EpicClient(
        api_key=server.api_key,
        base_url=server.base_url,
        rate_limit=None,
        retry=RetryPolicy(sleep=sleeps),
    ) as epic:
        yield epic


def make_client(server: FakeEpicServer, **kwargs: Any) -> EpicClient:
    options: dict[str, Any] = {"rate_limit": RateLimit(rate=1000, burst=100)}
    options.update(kwargs)
    return EpicClient(api_key=server.api_key, base_url=server.base_url, **options)


# --- aioresponses on aiohttp >= 3.14 ------------------------------------------------------------
# aioresponses 0.7.9 builds ClientResponse without the `stream_writer` argument that aiohttp 3.14
# made required (pnuckowski/aioresponses#289; the fix, PR #288, is unmerged). Until a release
# carries it, the fixture below hands aioresponses a ClientResponse subclass that supplies a
# stand-in writer. It switches itself off once aioresponses passes the argument on its own.
# aioresponses is used only for request-shaping tests: anything touching the transport, retries or
# concurrency runs against the real simulator over loopback instead.


class _Stream:
    output_size = 0


class _CompatClientResponse(aiohttp.ClientResponse):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("stream_writer", _Stream())
        super().__init__(*args, **kwargs)


def _aioresponses_needs_compat() -> bool:
    import aioresponses.core as core

    wants_writer = "stream_writer" in inspect.signature(aiohttp.ClientResponse.__init__).parameters
    return wants_writer and "stream_writer" not in inspect.getsource(core.aioresponses)


@pytest.fixture
def mock_api(monkeypatch: pytest.MonkeyPatch) -> Iterator[aioresponses]:
    if _aioresponses_needs_compat():
        import aioresponses.core as core

        monkeypatch.setattr(core, "ClientResponse", _CompatClientResponse)
    with aioresponses() as mocked:
        yield mocked


@pytest.fixture
def server_in_thread() -> Iterator[FakeEpicServer]:
    """The simulator on its own loop in a thread, for tests that run their own event loops."""
    with FakeEpicServer(chargers=50, seed=2).run_in_thread() as fake:
        yield fake


def point_env_at(
    monkeypatch: pytest.MonkeyPatch, fake: FakeEpicServer, *, base_url: bool = True
) -> None:
    """Make ``fake`` the reader's tenant: the ``EPIC_*`` variables ``EpicClient()`` reads.
    ``base_url=False`` leaves the URL out (CLI tests pass ``--base-url`` themselves)."""
    monkeypatch.setenv("EPIC_API_KEY", fake.api_key)
    monkeypatch.delenv("EPIC_TENANT", raising=False)
    if base_url:
        monkeypatch.setenv("EPIC_BASE_URL", fake.base_url)
    else:
        monkeypatch.delenv("EPIC_BASE_URL", raising=False)


@pytest.fixture
def redis_url(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """``EPIC_REDIS_URL`` for examples that share a limit: a throwaway redis-server."""
    if shutil.which("redis-server") is None:
        pytest.skip("redis-server is not installed (.ci/run installs it)")
    with RedisServer() as server:
        monkeypatch.setenv("EPIC_REDIS_URL", server.url)
        yield
