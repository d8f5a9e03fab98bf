"""Key authentication, scope permission and the per-key rate throttle, as DRF classes.

- :class:`ApiKeyAuthentication` reads ``Token-Authorization: <raw key>`` (no ``Bearer``). Its
  ``authenticate_header`` makes DRF answer a missing or wrong key with 401, not 403.
- :class:`HasScope`: safe methods need the ``read`` scope, anything else ``write`` (else 403).
- :class:`ApiKeyRateThrottle` is DRF's ``SimpleRateThrottle`` keyed by the API key, counting only
  keys marked ``throttled``, on the server's own clock (tests advance it instead of sleeping).
"""

from __future__ import annotations

from typing import Any

from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication
from rest_framework.permissions import SAFE_METHODS, BasePermission
from rest_framework.throttling import SimpleRateThrottle

from .state import ApiKey, ServerState

__all__ = ["HEADER", "ApiKeyAuthentication", "ApiKeyRateThrottle", "HasScope"]

HEADER = "Token-Authorization"
_META_KEY = "HTTP_" + HEADER.upper().replace("-", "_")


class ApiKeyAuthentication(BaseAuthentication):
    """``Token-Authorization: <key>`` → ``(key, key)`` as DRF's ``(user, auth)``."""

    def __init__(self, state: ServerState) -> None:
        self.state = state

    def authenticate(self, request: Any) -> tuple[ApiKey, ApiKey] | None:
        raw = request.META.get(_META_KEY)
        if raw is None:
            return None  # no credentials: DRF answers NotAuthenticated (401) if a permission asks
        key = self.state.keys.get(raw)
        if key is None:
            raise exceptions.AuthenticationFailed()
        return key, key

    def authenticate_header(self, request: Any) -> str:
        # Any non-empty value makes DRF answer 401 (with WWW-Authenticate) instead of 403.
        return HEADER


class HasScope(BasePermission):
    """``read`` for GET/HEAD/OPTIONS, ``write`` for everything else."""

    def has_permission(self, request: Any, view: Any) -> bool:
        key = request.auth
        if not isinstance(key, ApiKey):
            return False
        needed = "read" if request.method in SAFE_METHODS else "write"
        return needed in key.scopes


class ApiKeyRateThrottle(SimpleRateThrottle):
    """DRF's throttle keyed by the API key; only keys marked ``throttled`` are counted.

    The rate comes from the server (``"5/m"``-style, DRF's syntax) and the time from its
    :class:`~tests.drf_server.state.ThrottleClock`; the history lives in the default (locmem)
    cache, which ``DrfServer.reset()`` clears.
    """

    scope = "api_key"

    def __init__(self, state: ServerState) -> None:
        self.rate = state.throttle_rate
        self.timer = state.clock
        super().__init__()

    def get_cache_key(self, request: Any, view: Any) -> str | None:
        key = request.auth
        if not isinstance(key, ApiKey) or not key.throttled:
            return None
        return f"throttle_{self.scope}_{key.key}"  # DRF's cache_format, typed
