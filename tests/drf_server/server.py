"""``DrfServer``: the DRF app on ``127.0.0.1:<free port>`` in a thread, with a small test API.

>>> with DrfServer(chargers=120) as server:  # doctest: +SKIP
...     client = EpicClient(api_key=server.api_key, base_url=server.base_url, rate_limit=None)

Django settings, the sqlite database and DRF's ``api_settings`` are process-global, so only one
server runs at a time in a process (a second ``start()`` raises); each start empties the tables
and seeds the fleet again. Every database call of this API runs in one worker thread: Django
refuses ORM calls from a thread with a running event loop, which is where async tests call it.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from types import TracebackType
from typing import Any, TypeVar

from . import settings as drf_settings
from .state import ApiKey, LoggedRequest, ServerState

__all__ = ["DrfServer", "ServerOptions"]

T = TypeVar("T")

_slot = threading.Lock()  # held by the one server running in this process


@dataclass(frozen=True)
class ServerOptions:
    """DRF settings a server applies while it runs (process-wide: one server runs at a time).

    ``list_errors_as_dict`` is DRF 3.18's ``LIST_SERIALIZER_ERRORS_AS_DICT`` (True by default:
    per-item errors as ``{"1": {...}}``). False brings back the list form (``[{}, {...}]``), and
    DRF then warns ``RemovedInDRF320Warning`` on every such answer: a test under
    ``filterwarnings = error`` must ignore that warning or the server answers 500.
    ``non_field_errors_key`` is DRF's ``NON_FIELD_ERRORS_KEY``.
    """

    list_errors_as_dict: bool = True
    non_field_errors_key: str = "non_field_errors"

    def rest_framework(self) -> dict[str, Any]:
        return {
            **drf_settings.REST_FRAMEWORK,
            "LIST_SERIALIZER_ERRORS_AS_DICT": self.list_errors_as_dict,
            "NON_FIELD_ERRORS_KEY": self.non_field_errors_key,
        }


class DrfServer:
    """A seeded DRF server for the SDK's tests; a (sync) context manager.

    ``base_url`` ends in ``/api/external/v1/``. Keys: ``api_key`` (read and write),
    ``read_only_key`` (POST → 403) and ``throttled_key`` (read and write, and the only key DRF's
    throttle counts, at ``throttle_rate`` in DRF's ``"N/s|m|h|d"`` syntax). The throttle runs on
    its own clock, which tests move with :meth:`advance_throttle_clock` instead of sleeping.
    """

    api_key = "drf-read-write-key"
    read_only_key = "drf-read-only-key"
    throttled_key = "drf-throttled-key"

    def __init__(
        self,
        chargers: int = 120,
        *,
        seed: int = 0,
        throttle_rate: str = "5/m",
        options: ServerOptions | None = None,
    ) -> None:
        self.chargers = chargers
        self.seed = seed
        self.throttle_rate = throttle_rate
        self.options = options or ServerOptions()
        self.state = ServerState(
            keys={
                self.api_key: ApiKey(self.api_key, frozenset({"read", "write"})),
                self.read_only_key: ApiKey(self.read_only_key, frozenset({"read"})),
                self.throttled_key: ApiKey(
                    self.throttled_key, frozenset({"read", "write"}), throttled=True
                ),
            },
            throttle_rate=throttle_rate,
        )
        self._db: ThreadPoolExecutor | None = None
        self._httpd: Any = None
        self._thread: threading.Thread | None = None
        self._settings: Any = None
        self._holds_slot = False
        self._port = 0

    # --- lifecycle ------------------------------------------------------------------------

    def __enter__(self) -> DrfServer:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def start(self) -> None:
        """Configure Django (once per process), create and seed the tables, start serving."""
        if not _slot.acquire(blocking=False):
            raise RuntimeError("a DrfServer is already running in this process (Django is global)")
        self._holds_slot = True
        try:
            self._start()
        except BaseException:
            self.close()
            raise

    def _start(self) -> None:
        drf_settings.configure()
        from django.core.handlers.wsgi import WSGIHandler
        from django.test.utils import override_settings

        from .urls import ServerUrls
        from .wsgi import QuietHandler, ServerApp, ThreadingWSGIServer

        self._settings = override_settings(REST_FRAMEWORK=self.options.rest_framework())
        self._settings.enable()  # DRF reloads api_settings on the setting_changed signal
        self._db = ThreadPoolExecutor(max_workers=1, thread_name_prefix="drf-server-db")
        self._run(_create_tables)
        self.reset()
        app = ServerApp(WSGIHandler(), self.state, ServerUrls(self.state))
        self._httpd = ThreadingWSGIServer(("127.0.0.1", 0), QuietHandler)
        self._httpd.set_app(app)
        self._port = self._httpd.server_address[1]
        self._thread = threading.Thread(
            target=self._httpd.serve_forever,
            kwargs={"poll_interval": 0.05},  # how long shutdown() may wait for the loop to notice
            name="drf-server",
            daemon=True,
        )
        self._thread.start()

    def close(self) -> None:
        """Stop serving, wait for requests in flight, restore DRF's settings. Idempotent."""
        if self._httpd is not None:
            if self._thread is not None:
                self._httpd.shutdown()
                self._thread.join()
            self._httpd.server_close()  # joins the request threads
            self._httpd = self._thread = None
        if self._db is not None:
            self._db.shutdown(wait=True)
            self._db = None
        if self._settings is not None:
            self._settings.disable()
            self._settings = None
        if self._holds_slot:
            self._holds_slot = False
            _slot.release()

    # --- what tests use -------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        if self._httpd is None:
            raise RuntimeError("DrfServer is not running")
        from .urls import PREFIX

        return f"http://127.0.0.1:{self._port}/{PREFIX}"

    def set_throttle_rate(self, rate: str) -> None:
        """The throttled key's rate (DRF's syntax) from the next request until ``reset()``."""
        self.state.throttle_rate = rate

    def advance_throttle_clock(self, seconds: float) -> None:
        """Make the throttle see ``seconds`` pass (it reads only this clock)."""
        self.state.clock.advance(seconds)

    @property
    def requests(self) -> list[LoggedRequest]:
        """Every answered request since the last reset, in order."""
        with self.state.lock:
            return list(self.state.requests)

    def reset(self) -> None:
        """Back to the seeded fleet: drop every row, seed again, clear throttle and log."""
        self._run(_reseed, self.chargers, self.seed)
        from django.core.cache import cache

        cache.clear()  # the throttle history
        self.state.clock.reset()
        self.state.throttle_rate = self.throttle_rate
        with self.state.lock:
            self.state.requests.clear()

    def created_count(self) -> int:
        """Chargers that exist because a ``POST chargers`` created them (since the last reset)."""
        return self._run(_created_count)

    def charger_ids(self) -> list[str]:
        """Every charger id, in listing order."""
        return self._run(_charger_ids)

    def charger_point_ids(self) -> list[str]:
        """Every ``charger_point_id``, in listing order."""
        return self._run(_charger_point_ids)

    @contextmanager
    def drf_settings(self, **overrides: Any) -> Iterator[None]:
        """Override ``REST_FRAMEWORK`` entries for a block (process-wide, like all settings):
        ``with server.drf_settings(LIST_SERIALIZER_ERRORS_AS_DICT=False): ...``."""
        from django.test.utils import override_settings

        merged = {**self.options.rest_framework(), **overrides}
        with override_settings(REST_FRAMEWORK=merged):
            yield

    def _run(self, function: Callable[..., T], *args: Any) -> T:
        """Run a database job in the worker thread and close its connection afterwards."""
        if self._db is None:
            raise RuntimeError("DrfServer is not running")
        return self._db.submit(_closing, function, *args).result()


# --- database jobs (run in the worker thread) ---------------------------------------------------


def _closing(function: Callable[..., T], *args: Any) -> T:
    from django.db import connections

    try:
        return function(*args)
    finally:
        connections.close_all()


def _create_tables() -> None:
    from django.apps import apps
    from django.db import connection

    existing = set(connection.introspection.table_names())
    with connection.schema_editor() as editor:
        for model in apps.get_app_config("drf_server").get_models():
            if model._meta.db_table not in existing:
                editor.create_model(model)


def _reseed(count: int, seed: int) -> None:
    from django.db import transaction

    from .models import Charger, Location, Port
    from .seed import seed_fleet

    with transaction.atomic():
        Port.objects.all().delete()
        Charger.objects.all().delete()
        Location.objects.all().delete()
        seed_fleet(count, seed)


def _created_count() -> int:
    from .models import Charger

    count: int = Charger.objects.filter(created_by_api=True).count()
    return count


def _charger_ids() -> list[str]:
    from .models import Charger

    return [str(pk) for pk in Charger.objects.values_list("id", flat=True)]


def _charger_point_ids() -> list[str]:
    from .models import Charger

    return list(Charger.objects.values_list("charger_point_id", flat=True))
