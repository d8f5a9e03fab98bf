"""Test against a real HTTP server instead of mocks: the embedded Epic-Charging API simulator.

``FakeEpicServer`` implements every path of the API on loopback, with DRF-style errors, a server
rate limit, latency and fault injection, and counters to assert on. ``rows`` generates create rows.

>>> from epic_async.testing import FakeEpicServer
>>> async with FakeEpicServer(chargers=50) as fake:  # doctest: +SKIP
...     async with EpicClient(api_key=fake.api_key, base_url=fake.base_url) as client:
...         assert len(await client.chargers.list().collect()) == 50
...     fake.fail_next(503, path="charger/")  # the next matching request answers 503

Modules: ``_store`` and ``_seed`` (data), ``_rules`` (validation), ``_state`` (knobs, counters),
``_app`` and ``_views`` (HTTP), ``_server`` (lifecycle). None imports the SDK: the simulator
checks the client, so it must not share the client's code.
"""

from ._server import FakeEpicServer, ServerProcess
from ._state import FAULT_KINDS, ServerCounters
from ._store import Store

__all__ = ["FAULT_KINDS", "FakeEpicServer", "ServerCounters", "ServerProcess", "Store"]
