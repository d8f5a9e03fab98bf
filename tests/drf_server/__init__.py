"""A real Django REST Framework app on loopback, so DRF's own answers judge the SDK.

The simulator (:class:`epic_async.testing.FakeEpicServer`) was written by the same people as the
SDK and shares its reading of DRF. This package is a small DRF project instead: DRF's pagination,
serializer errors, authentication failures and throttles produce the answers, we only configure
them the way the Epic-Charging API documents them.

>>> from tests.drf_server import DrfServer
>>> with DrfServer(chargers=20) as server:  # doctest: +SKIP
...     server.base_url  # 'http://127.0.0.1:PORT/api/external/v1/'

Django settings and the database are process-global, so one :class:`DrfServer` runs at a time
per process (``tests/drf_server/fixtures.py`` shares one per test session).
"""

from __future__ import annotations

from .server import DrfServer, ServerOptions

__all__ = ["DrfServer", "ServerOptions"]
