"""The simulator in its own process, so that its CPU does not count against a measured client.

The child runs ``python -m epic_async.testing`` and reports its address on its first stdout line;
counters and knobs travel over the simulator's ``/_sim/`` admin endpoints (stdlib HTTP only, so
this works from sync code and from any event loop).
"""

from __future__ import annotations

import json
import secrets
import subprocess
import sys
import urllib.request
from types import TracebackType
from typing import Any, Self

__all__ = ["ServerProcess"]


class ServerProcess:
    """A running ``FakeEpicServer`` child process (see ``FakeEpicServer.run_in_process``).

    >>> with FakeEpicServer.run_in_process(chargers=100_000, latency=0.05) as sim:  # doctest: +SKIP
    ...     run_benchmark(sim.base_url, sim.api_key)
    ...     print(sim.counters()["requests"])
    """

    def __init__(self, options: dict[str, Any]) -> None:
        self.api_key = f"sim-{secrets.token_hex(8)}"
        options = {**options, "api_keys": {self.api_key: ["read", "write"]}}
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
        self._call("configure", knobs)

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
