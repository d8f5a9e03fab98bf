"""Configure Django for this process, once: sqlite in a temporary directory, locmem cache, DRF.

Django settings are process-global and cannot be configured twice, so :func:`configure` is
guarded and idempotent. Everything a single server may vary (DRF's error-format switches) is
applied later with ``override_settings`` by the server, not here.
"""

from __future__ import annotations

import atexit
import shutil
import tempfile
import threading
from pathlib import Path
from typing import Any

import django
from django.conf import settings

__all__ = ["REST_FRAMEWORK", "configure", "database_path"]

#: DRF's defaults except what the Epic API pins: JSON only, no session/basic auth (the views bring
#: their own key authentication), no anonymous user model (contrib.auth is not installed).
REST_FRAMEWORK: dict[str, Any] = {
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_AUTHENTICATION_CLASSES": [],
    "DEFAULT_PERMISSION_CLASSES": [],
    "UNAUTHENTICATED_USER": None,
    "UNAUTHENTICATED_TOKEN": None,
}

_lock = threading.Lock()
_database: Path | None = None


def _sqlite_options() -> dict[str, Any]:
    # Request threads write concurrently (create_many sends batches in parallel): take the write
    # lock when a transaction begins instead of upgrading a read lock later, which sqlite can only
    # refuse ("database is locked"). Both options exist from Django 5.1 on.
    options: dict[str, Any] = {"timeout": 30}
    if django.VERSION >= (5, 1):
        options["transaction_mode"] = "IMMEDIATE"
        options["init_command"] = "PRAGMA journal_mode=WAL;"
    return options


def configure() -> Path:
    """Configure and set up Django for this process (first call only); return the database path."""
    global _database
    with _lock:
        if _database is not None:
            return _database
        if settings.configured:
            raise RuntimeError(
                "Django settings were configured by someone else in this process; "
                "tests.drf_server needs to configure them itself"
            )
        directory = Path(tempfile.mkdtemp(prefix="epic-drf-"))
        atexit.register(shutil.rmtree, directory, ignore_errors=True)
        database = directory / "db.sqlite3"
        settings.configure(
            DEBUG=False,
            SECRET_KEY="tests.drf_server: loopback only, not a secret",
            ALLOWED_HOSTS=["127.0.0.1", "localhost"],
            INSTALLED_APPS=["tests.drf_server.apps.DrfServerConfig"],
            MIDDLEWARE=["tests.drf_server.wsgi.ServerUrlconfMiddleware"],
            ROOT_URLCONF="tests.drf_server.urls",
            APPEND_SLASH=False,
            DATABASES={
                "default": {
                    "ENGINE": "django.db.backends.sqlite3",
                    "NAME": str(database),
                    "OPTIONS": _sqlite_options(),
                }
            },
            CACHES={"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}},
            USE_TZ=True,
            TIME_ZONE="UTC",
            USE_I18N=False,
            DEFAULT_AUTO_FIELD="django.db.models.BigAutoField",
            REST_FRAMEWORK=REST_FRAMEWORK,
            LOGGING_CONFIG=None,  # leave the test run's logging alone
        )
        django.setup()
        _database = database
        return database


def database_path() -> Path | None:
    """The sqlite file of this process, or None before :func:`configure`."""
    return _database
