"""The three endpoints: ``GET charger/``, ``GET charger/{id}/`` and ``POST chargers``.

Each view is bound to one server's :class:`~tests.drf_server.state.ServerState` (``as_view(
state=...)``), which supplies its authentication and throttle instances.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from rest_framework import generics, status
from rest_framework.pagination import LimitOffsetPagination
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from .auth import ApiKeyAuthentication, ApiKeyRateThrottle, HasScope
from .models import Charger, Location
from .serializers import (
    ChargerDetailSerializer,
    ChargerFilterSerializer,
    ChargerListSerializer,
    ChargersBulkLookupSerializer,
    ChargersBulkSerializer,
)
from .state import ServerState

__all__ = ["ChargerDetailView", "ChargerListView", "ChargerPagination", "ChargersBulkCreateView"]


class ChargerPagination(LimitOffsetPagination):
    """``?limit&offset``, 100 by default but never more than 50 a page: a client must trust
    ``len(results)``, not the ``limit`` it asked for."""

    default_limit = 100
    max_limit = 50


class EpicView(APIView):
    """Key authentication, scope permission and the per-key throttle of one server."""

    state: ServerState | None = None  # set by as_view(state=...)
    permission_classes = (HasScope,)

    def _state(self) -> ServerState:
        if self.state is None:
            raise RuntimeError("view built without as_view(state=...)")
        return self.state

    def get_authenticators(self) -> list[ApiKeyAuthentication]:
        return [ApiKeyAuthentication(self._state())]

    def get_throttles(self) -> list[ApiKeyRateThrottle]:
        return [ApiKeyRateThrottle(self._state())]


class ChargerListView(EpicView, generics.ListAPIView):
    """``GET charger/``: filters are validated by a serializer (a bad choice is DRF's 400)."""

    serializer_class = ChargerListSerializer
    pagination_class = ChargerPagination

    def get_queryset(self) -> QuerySet[Charger]:
        # .dict(): a plain mapping, so an absent boolean stays absent (DRF reads a missing
        # checkbox of HTML-form input, which a QueryDict is, as False).
        filters = ChargerFilterSerializer(data=self.request.query_params.dict())
        filters.is_valid(raise_exception=True)
        wanted: dict[str, Any] = dict(filters.validated_data)
        if "location" in wanted:
            wanted["location_id"] = wanted.pop("location")
        queryset = Charger.objects.select_related("location").prefetch_related("ports")
        return queryset.filter(**wanted)


class ChargerDetailView(EpicView, generics.RetrieveAPIView):
    """``GET charger/{id}/``: DRF's ``get_object_or_404`` decides the 404."""

    serializer_class = ChargerDetailSerializer
    queryset = Charger.objects.prefetch_related("ports")


class ChargersBulkCreateView(EpicView):
    """``POST chargers``: ``{"chargers": [...]}`` → 201 ``{"chargers": [detail, ...]}``, in input
    order, all or nothing.

    ``location_lookup`` says who resolves a row's ``location``: ``"serializer"`` (DRF's
    ``PrimaryKeyRelatedField``: an unknown id is that row's error) or ``"view"`` (the rows are
    created and each location looked up with ``Location.objects.get``; an unknown id refuses the
    whole batch with ``{"detail": "Location matching query does not exist."}``, naming no row).
    Tests switch it for a block (it is read per request, like a setting).
    """

    location_lookup = "serializer"

    def post(self, request: Request) -> Response:
        looks_up = self.location_lookup == "view"
        bulk = ChargersBulkLookupSerializer if looks_up else ChargersBulkSerializer
        serializer = bulk(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            created = serializer.save()
        except Location.DoesNotExist as exc:  # the transaction rolled every row back
            return Response({"detail": str(exc)}, status=status.HTTP_400_BAD_REQUEST)
        body = {"chargers": ChargerDetailSerializer(created["chargers"], many=True).data}
        return Response(body, status=status.HTTP_201_CREATED)
