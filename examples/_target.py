"""Where the examples run: a real tenant when ``EPIC_API_KEY`` is set, else the embedded simulator.

Every example calls :func:`api_target` and passes what it yields to ``EpicClient``, so the same
script works offline (CI runs them all) and against your tenant::

    EPIC_API_KEY=... EPIC_TENANT=yourtenant python examples/quickstart_async.py
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from typing import Any

from epic_async.testing import FakeEpicServer


@asynccontextmanager
async def api_target(**simulator_options: Any) -> AsyncIterator[dict[str, Any]]:
    """``EpicClient`` keyword arguments: empty for a real tenant (the client reads
    ``EPIC_API_KEY`` and ``EPIC_TENANT``/``EPIC_BASE_URL``), else those of a fresh simulator."""
    if os.environ.get("EPIC_API_KEY"):
        yield {}
        return
    async with FakeEpicServer(**simulator_options) as fake:
        yield {"api_key": fake.api_key, "base_url": fake.base_url}


@contextmanager
def sync_api_target(**simulator_options: Any) -> Iterator[dict[str, Any]]:
    """The same for sync code: the simulator runs on its own thread."""
    if os.environ.get("EPIC_API_KEY"):
        yield {}
        return
    with FakeEpicServer(**simulator_options).run_in_thread() as fake:
        yield {"api_key": fake.api_key, "base_url": fake.base_url}
