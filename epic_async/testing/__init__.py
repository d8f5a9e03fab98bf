"""Test against a real HTTP server instead of mocks: the embedded Epic-Charging API simulator.

``FakeEpicServer`` implements every path of the API on loopback, with DRF-style errors, a server
rate limit, latency and fault injection, and counters to assert on. ``rows`` generates create rows.

>>> from epic_async.testing import FakeEpicServer
>>> async with FakeEpicServer(chargers=50) as fake:  # doctest: +SKIP
...     async with EpicClient(api_key=fake.api_key, base_url=fake.base_url) as client:
...         assert len(await client.chargers.list().collect()) == 50
"""

from ._process import ServerProcess
from ._simulator import FakeEpicServer
from ._state import ServerCounters

__all__ = ["FakeEpicServer", "ServerCounters", "ServerProcess"]
