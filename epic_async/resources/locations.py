"""``client.locations``: list, get, get_many and create_many."""

from __future__ import annotations

import builtins
from collections.abc import AsyncIterable, Callable, Iterable, Mapping
from typing import Any

from .._bulk import BulkSpec, ProgressCallback, run_bulk_create
from .._bulk_result import BulkResult
from .._pagination import Pager
from .._params import str_param
from .._rowcheck import UnknownFields
from .._tracing import traced, traced_listing
from .._validation import location_key, location_rules
from ..models import Location, LocationCreate
from ._base import Resource

__all__ = ["Locations"]


class Locations(Resource):
    """Locations: the places chargers are installed (docs/api-contract.md §5).

    Bulk create is DOC; ``location/`` and ``location/{id}/`` for reading are INFERRED (override
    them with ``paths=`` if a tenant serves them elsewhere).
    """

    _trace_name = "locations"

    @traced_listing
    def list(
        self,
        *,
        custom_id: str | None = None,
        search: str | None = None,
        page_size: int = 100,
        concurrency: int = 8,
        max_items: int | None = None,
        ordered: bool = True,
    ) -> Pager[Location]:
        """List locations (INFERRED path and filters: ``custom_id``, ``search``).

        >>> async for location in client.locations.list(search="Market St"):
        ...     print(location.custom_id, location.formatted_address)
        SITE-... Market St, ...
        ...
        """
        params: dict[str, str] = {}
        if custom_id is not None:
            params["custom_id"] = str_param("custom_id", custom_id)
        if search is not None:
            params["search"] = str_param("search", search)
        return self._list(
            "locations.list",
            params,
            Location,
            _location_id,
            page_size=page_size,
            concurrency=concurrency,
            max_items=max_items,
            ordered=ordered,
        )

    @traced
    async def get(self, location_id: str) -> Location:
        """One location (INFERRED path). Raises ``NotFoundError`` when it does not exist."""
        return await self._get("locations.get", "location_id", location_id, Location)

    @traced
    async def get_many(
        self, location_ids: Iterable[str], *, concurrency: int = 8
    ) -> builtins.list[Location | None]:
        """Many locations concurrently, in input order; ``None`` where an id does not exist."""
        return await self._get_many(
            "locations.get", "location_ids", location_ids, Location, concurrency
        )

    @traced
    async def create_many(
        self,
        items: Iterable[LocationCreate | Mapping[str, Any]]
        | AsyncIterable[LocationCreate | Mapping[str, Any]],
        *,
        batch_size: int = 100,
        concurrency: int = 4,
        on_progress: ProgressCallback | None = None,
        reconcile: bool = False,
        on_created: Callable[[int, Location], object] | None = None,
        unknown_fields: UnknownFields = "error",
    ) -> BulkResult[Location]:
        """Create many locations in concurrent all-or-nothing batches, accounting for every row.

        Works like ``client.chargers.create_many``: every row checked first (every problem at
        once; unknown keys per ``unknown_fields``: ``"error"``, ``"drop"`` or ``"send"``),
        per-item rejections resent without the bad rows, "too many" splitting (the cap kept for
        the client), batches refused whole narrowed down to the rows at fault, lost answers
        reported as ``unknown`` or reconciled, ``on_created`` to stream created objects instead of
        keeping them, progress that only moves forward. Locations answer 201; the unique key is ``custom_id``.

        >>> rows = [{"custom_id": "DEPOT-7", "formatted_address": "12 Quay St, Oslo",
        ...          "places_api_data": {"place_id": "place-depot-7", "formatted_address": "12 Quay St, Oslo",
        ...                              "geometry": {"location": {"lat": 59.91, "lng": 10.75}}}}]
        >>> result = await client.locations.create_many(rows)
        >>> result
        BulkResult(total=1, created=1, failed=0, unknown=0)
        """
        spec = BulkSpec(
            url=self._url("locations.create"),
            wrapper="locations",
            create_cls=LocationCreate,
            result_cls=Location,
            rules=location_rules,
            key=location_key,
            key_name="custom_id",
        )
        return await run_bulk_create(
            self._transport,
            spec,
            items,
            batch_size=batch_size,
            concurrency=concurrency,
            on_progress=on_progress,
            on_created=on_created,
            reconcile=reconcile,
            lookup=self._find_by_custom_id,
            unknown_fields=unknown_fields,
        )

    async def _find_by_custom_id(self, keys: set[str]) -> dict[str, Location]:
        """Locations the server holds for these keys (a full listing, matched client-side)."""
        return {
            key: location async for location in self.list() if (key := location.custom_id) in keys
        }


def _location_id(location: Location) -> str:
    return location.id
