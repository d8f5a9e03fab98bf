"""``client.chargers``: list, get, get_many and create_many."""

from __future__ import annotations

import builtins
from collections.abc import AsyncIterable, Callable, Iterable, Mapping
from datetime import date, datetime
from typing import Any

from .._bulk import BulkSpec, ProgressCallback, run_bulk_create
from .._bulk_result import BulkResult
from .._pagination import Pager
from .._params import bool_param, date_param, enum_param, id_param, int_choice_param
from .._rowcheck import UnknownFields
from .._tracing import traced, traced_listing
from .._validation import charger_key, charger_rules
from ..models import Charger, ChargerCreate, ChargerDetail, ChargerStatus, CurrentType
from ._base import Resource

__all__ = ["Chargers"]


class Chargers(Resource):
    """Chargers: the physical stations, each with one or more ports (docs/api-contract.md §3, DOC)."""

    _trace_name = "chargers"

    @traced_listing
    def list(
        self,
        *,
        status: ChargerStatus | str | None = None,
        current_type: CurrentType | str | None = None,
        number_phases: int | None = None,
        location: str | None = None,
        is_active: bool | None = None,
        created_at: date | datetime | str | None = None,
        page_size: int = 100,
        concurrency: int = 8,
        max_items: int | None = None,
        ordered: bool = True,
    ) -> Pager[Charger]:
        """List chargers, fetching pages concurrently; returns a lazy :class:`Pager`.

        Filters (all optional, DOC): ``status``, ``current_type`` (enum or its string),
        ``number_phases`` (1 or 3), ``location`` (location id), ``is_active``, ``created_at``
        (a date: chargers created that day).

        >>> async for charger in client.chargers.list(status="AVAILABLE"):
        ...     print(charger.charger_point_id, charger.status.key)
        EPC-... AVAILABLE
        ...
        >>> dc = await client.chargers.list(current_type="DC").collect()
        """
        params: dict[str, str] = {}
        if status is not None:
            params["status"] = enum_param("status", status, ChargerStatus)
        if current_type is not None:
            params["current_type"] = enum_param("current_type", current_type, CurrentType)
        if number_phases is not None:
            params["number_phases"] = int_choice_param("number_phases", number_phases, (1, 3))
        if location is not None:
            params["location"] = id_param("location", location)
        if is_active is not None:
            params["is_active"] = bool_param("is_active", is_active)
        if created_at is not None:
            params["created_at"] = date_param("created_at", created_at)
        return self._list(
            "chargers.list",
            params,
            Charger,
            _charger_id,
            page_size=page_size,
            concurrency=concurrency,
            max_items=max_items,
            ordered=ordered,
        )

    @traced
    async def get(self, charger_id: str) -> ChargerDetail:
        """One charger's details (ports with connector types and currents, manufacturer, model).

        Raises :class:`~epic_async.NotFoundError` when no charger has that id.

        >>> charger_id = (await client.chargers.list(max_items=1).collect())[0].id
        >>> detail = await client.chargers.get(charger_id)
        >>> [(port.connector_id, port.connector_type.key) for port in detail.ports]
        [(1, <ConnectorType...>)...]
        >>> await client.chargers.get("497f6eca-6276-4993-bfeb-53cbbbba6f08")
        Traceback (most recent call last):
          ...
        epic_async._errors.NotFoundError: GET .../charger/497f6eca-6276-4993-bfeb-53cbbbba6f08/ -> 404: Not found.
        """
        return await self._get("chargers.get", "charger_id", charger_id, ChargerDetail)

    @traced
    async def get_many(
        self, charger_ids: Iterable[str], *, concurrency: int = 8
    ) -> builtins.list[ChargerDetail | None]:
        """Details of many chargers, fetched concurrently, in the order of ``charger_ids``.

        A charger that does not exist is ``None`` at its position (the others are still returned);
        any other error (auth, the API down after retries) raises and cancels the rest.

        >>> ids = [c.id for c in await client.chargers.list(max_items=2).collect()]
        >>> ids.append("497f6eca-6276-4993-bfeb-53cbbbba6f08")
        >>> found = await client.chargers.get_many(ids)
        >>> missing = [i for i, d in zip(ids, found) if d is None]
        >>> missing
        ['497f6eca-6276-4993-bfeb-53cbbbba6f08']
        """
        return await self._get_many(
            "chargers.get", "charger_ids", charger_ids, ChargerDetail, concurrency
        )

    @traced
    async def create_many(
        self,
        items: Iterable[ChargerCreate | Mapping[str, Any]]
        | AsyncIterable[ChargerCreate | Mapping[str, Any]],
        *,
        batch_size: int = 100,
        concurrency: int = 4,
        on_progress: ProgressCallback | None = None,
        reconcile: bool = False,
        on_created: Callable[[int, ChargerDetail], object] | None = None,
        unknown_fields: UnknownFields = "error",
    ) -> BulkResult[ChargerDetail]:
        """Create many chargers in concurrent batches, accounting for every row.

        ``items`` is an iterable or async iterable of :class:`~epic_async.models.ChargerCreate` or
        plain dicts (read and checked the same way), consumed lazily. Every row is checked first,
        every problem at once (required fields, types, enums, AC ports need
        ``max_current``/``current``, DC ports ``max_power``/``power``, ``charger_point_id`` unique
        in the input); an invalid row fails with its index and per-field errors, without a
        request. A key no model knows fails the row (``Unknown field; did you mean
        'custom_id'?``) unless ``unknown_fields="drop"`` (left out) or ``"send"`` (sent
        unchecked, for a tenant whose API takes fields the models lack).

        Valid rows go in batches of ``batch_size``, ``concurrency`` batches at a time, under the
        client's rate limit. Each batch is one all-or-nothing POST. Rows the server rejects fail
        with its errors (``failed[i].errors`` in one form whatever DRF's, ``raw_errors`` as sent)
        and the rest of their batch is resent. "Too many items", in any shape or as a 413, splits
        the batch; the cap is kept for this client, so later calls start right. A batch refused
        whole without naming a row is narrowed down by halving, at most about ``2·k·log2(batch)``
        extra requests for ``k`` rows at fault; an error that refuses rows whatever they are fails
        them at once. A 401, 403 or 404 fails every row not created yet. A batch whose answer was
        lost is ``unknown``, never resent blindly, unless ``reconcile=True`` (then the fleet is
        listed, rows found by ``charger_point_id`` count as created and only the missing ones are
        resent). ``on_progress(done, total)`` is called as rows are settled; ``done`` only grows,
        and the last call is ``(total, total)`` (``total`` is None for unsized input).

        For imports too large to hold every created object, pass ``on_created(index, charger)``:
        each created charger goes to it as its batch lands (completion order) instead of into
        ``result.created``, so memory stays bounded by the batches in flight;
        ``result.created_indexes`` still accounts for every created row.

        >>> from epic_async.testing.rows import charger_rows
        >>> rows = charger_rows(250)  # dicts, as read from a spreadsheet
        >>> result = await client.chargers.create_many(rows, batch_size=100)
        >>> result
        BulkResult(total=250, created=250, failed=0, unknown=0)
        >>> result.raise_for_failures()
        """
        spec = BulkSpec(
            url=self._url("chargers.create"),
            wrapper="chargers",
            create_cls=ChargerCreate,
            result_cls=ChargerDetail,
            rules=charger_rules,
            key=charger_key,
            key_name="charger_point_id",
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
            lookup=self._find_by_charger_point_id,
            unknown_fields=unknown_fields,
        )

    async def _find_by_charger_point_id(self, keys: set[str]) -> dict[str, ChargerDetail]:
        """Chargers the server holds for these ``charger_point_id`` s (a full listing: the API
        documents no filter by charger point id)."""
        ids = {c.charger_point_id: c.id async for c in self.list() if c.charger_point_id in keys}
        details = await self.get_many(builtins.list(ids.values()))
        return {key: d for key, d in zip(ids, details, strict=True) if d is not None}


def _charger_id(charger: Charger) -> str:
    return charger.id
