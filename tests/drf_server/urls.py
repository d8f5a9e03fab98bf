"""URL patterns of one server, under ``/api/external/v1/``.

``ROOT_URLCONF`` points here but stays empty: each server builds its own patterns around its
state and the WSGI layer sets them as the request's urlconf (Django's per-request ``urlconf``).
"""

from __future__ import annotations

from typing import Any

from django.urls import path

from .state import ServerState

__all__ = ["PREFIX", "ServerUrls", "urlpatterns"]

PREFIX = "api/external/v1/"

urlpatterns: list[Any] = []


class ServerUrls:
    """A urlconf object for one server (Django accepts any object with ``urlpatterns``)."""

    def __init__(self, state: ServerState) -> None:
        from .views import ChargerDetailView, ChargerListView, ChargersBulkCreateView

        self.urlpatterns = [
            path(f"{PREFIX}charger/", ChargerListView.as_view(state=state)),
            # <str:pk>, not <uuid:pk>: a malformed id reaches DRF, which decides its 404 too.
            path(f"{PREFIX}charger/<str:pk>/", ChargerDetailView.as_view(state=state)),
            path(f"{PREFIX}chargers", ChargersBulkCreateView.as_view(state=state)),
        ]
