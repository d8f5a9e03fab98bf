"""Test against a real HTTP server instead of mocks: the embedded Epic-Charging API simulator.

``FakeEpicServer`` implements every path of the API on loopback, with DRF-style errors, a server
rate limit, latency and fault injection, and counters to assert on. ``rows`` generates create rows.

>>> from epic_async import EpicClient
>>> from epic_async.testing import FakeEpicServer
>>> async with FakeEpicServer(chargers=50) as fake:
...     async with EpicClient(api_key=fake.api_key, base_url=fake.base_url) as client:
...         assert len(await client.chargers.list().collect()) == 50
...     fake.fail_next(503, path="charger/")  # the next matching request answers 503

``Variant`` (and the presets in ``VARIANTS``) serves the API the way other DRF tenants and
versions do: drifting records, flipped statuses, other error shapes, ``Retry-After`` forms and
throttles (docs/simulator-variants.md).

>>> import pytest
>>> @pytest.mark.parametrize("variant", VARIANTS.values(), ids=VARIANTS)
... async def test_listing(variant: Variant) -> None:
...     async with FakeEpicServer(chargers=50, variant=variant) as fake: ...

Modules: ``_store`` and ``_seed`` (data), ``_rules`` (validation), ``_state`` (knobs, counters),
``_variant``, ``_drift``, ``_shape``, ``_served`` and ``_throttle`` (variants), ``_app``, ``_views``,
``_bulk_view`` and ``_reports`` (HTTP), ``_server`` (lifecycle). None imports the SDK: the
simulator checks the client, so it must not share the client's code.
"""

from ._drift import (
    DRIFT_FIELDS,
    DRIFT_KINDS,
    ENDPOINTS,
    DriftKind,
    DriftNote,
    Endpoint,
    choose_drift,
    drift,
)
from ._server import FakeEpicServer, ServerProcess
from ._state import FAULT_KINDS, ServerCounters
from ._store import Store
from ._throttle import DrfWindow
from ._variant import VARIANTS, Variant

__all__ = [
    "DRIFT_FIELDS",
    "DRIFT_KINDS",
    "ENDPOINTS",
    "FAULT_KINDS",
    "VARIANTS",
    "DrfWindow",
    "DriftKind",
    "DriftNote",
    "Endpoint",
    "FakeEpicServer",
    "ServerCounters",
    "ServerProcess",
    "Store",
    "Variant",
    "choose_drift",
    "drift",
]
