"""pytest fixtures: one DRF server per test session, reset before each test.

Import both names into a test module (``from tests.drf_server.fixtures import drf, drf_server``)
and ask for ``drf``. One server for the session because Django's settings and database are
process-global (and starting costs about 0.2 s); ``drf`` re-seeds it, clears the throttle and
the request log, so tests stay independent in any order.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from .server import DrfServer

__all__ = ["SEEDED_CHARGERS", "drf", "drf_server"]

#: More than two pages at the server's cap of 50 a page.
SEEDED_CHARGERS = 120


@pytest.fixture(scope="session")
def drf_server() -> Iterator[DrfServer]:
    with DrfServer(chargers=SEEDED_CHARGERS) as server:
        yield server


@pytest.fixture
def drf(drf_server: DrfServer) -> DrfServer:
    drf_server.reset()
    return drf_server
