"""``client.reports``: the five report endpoints, each a paginated listing with date filters."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from datetime import date, datetime
from typing import TypeVar

from .._pagination import Pager
from .._params import date_param, id_list_param, id_param
from .._tracing import traced_listing
from ..models import (
    ChargerReportRow,
    ChargerStatusReportRow,
    ChargingSessionRow,
    FaultRow,
    TransactionRow,
)
from ._base import Resource

__all__ = ["Reports"]

R = TypeVar("R")
DateLike = date | datetime | str


class Reports(Resource):
    """Reports on the network (docs/api-contract.md §2). ``charger_status`` is 3P-confirmed; the other four
    paths and every filter name are INFERRED from the vendor's prose ("filter by date ranges,
    chargers, and other parameters") and overridable with ``paths=``.

    Every report takes ``start_date`` / ``end_date`` (inclusive; ``date``, ``datetime`` or
    ``"YYYY-MM-DD"``), ``charger`` (a charger id) and ``location__in`` (a list of location ids).

    >>> from datetime import date, timedelta
    >>> sessions = client.reports.charging_sessions(start_date=date.today() - timedelta(days=7))
    >>> async for row in sessions:
    ...     print(row.charger_point_id, row.energy_kwh)
    EPC-... ...
    ...
    """

    def _report(
        self,
        endpoint: str,
        cls: type[R],
        key: Callable[[R], Hashable],
        *,
        start_date: DateLike | None,
        end_date: DateLike | None,
        charger: str | None,
        location__in: Sequence[str] | None,
        page_size: int,
        concurrency: int,
        max_items: int | None,
        ordered: bool,
    ) -> Pager[R]:
        params: dict[str, str] = {}
        if start_date is not None:
            params["start_date"] = date_param("start_date", start_date)
        if end_date is not None:
            params["end_date"] = date_param("end_date", end_date)
        if (
            "start_date" in params
            and "end_date" in params
            and params["start_date"] > params["end_date"]
        ):
            raise ValueError(
                f"start_date ({params['start_date']}) is after end_date ({params['end_date']})"
            )
        if charger is not None:
            params["charger"] = id_param("charger", charger)
        if location__in is not None:
            params["location__in"] = id_list_param("location__in", location__in)
        return self._list(
            endpoint,
            params,
            cls,
            key,
            page_size=page_size,
            concurrency=concurrency,
            max_items=max_items,
            ordered=ordered,
        )

    _trace_name = "reports"

    @traced_listing
    def charger_status(
        self,
        *,
        start_date: DateLike | None = None,
        end_date: DateLike | None = None,
        charger: str | None = None,
        location__in: Sequence[str] | None = None,
        page_size: int = 100,
        concurrency: int = 8,
        max_items: int | None = None,
        ordered: bool = True,
    ) -> Pager[ChargerStatusReportRow]:
        """Real-time status of every charger and its ports (3P-confirmed path)."""
        return self._report(
            "reports.charger_status", ChargerStatusReportRow, _by_charger_id,
            start_date=start_date, end_date=end_date, charger=charger, location__in=location__in,
            page_size=page_size, concurrency=concurrency, max_items=max_items, ordered=ordered,
        )  # fmt: skip

    @traced_listing
    def chargers(
        self,
        *,
        start_date: DateLike | None = None,
        end_date: DateLike | None = None,
        charger: str | None = None,
        location__in: Sequence[str] | None = None,
        page_size: int = 100,
        concurrency: int = 8,
        max_items: int | None = None,
        ordered: bool = True,
    ) -> Pager[ChargerReportRow]:
        """Per-charger totals over the period: sessions, energy, uptime, faults, revenue (INFERRED)."""
        return self._report(
            "reports.chargers", ChargerReportRow, _by_charger_id,
            start_date=start_date, end_date=end_date, charger=charger, location__in=location__in,
            page_size=page_size, concurrency=concurrency, max_items=max_items, ordered=ordered,
        )  # fmt: skip

    @traced_listing
    def charging_sessions(
        self,
        *,
        start_date: DateLike | None = None,
        end_date: DateLike | None = None,
        charger: str | None = None,
        location__in: Sequence[str] | None = None,
        page_size: int = 100,
        concurrency: int = 8,
        max_items: int | None = None,
        ordered: bool = True,
    ) -> Pager[ChargingSessionRow]:
        """Charging session history (INFERRED path)."""
        return self._report(
            "reports.charging_sessions", ChargingSessionRow, _by_id,
            start_date=start_date, end_date=end_date, charger=charger, location__in=location__in,
            page_size=page_size, concurrency=concurrency, max_items=max_items, ordered=ordered,
        )  # fmt: skip

    @traced_listing
    def faults(
        self,
        *,
        start_date: DateLike | None = None,
        end_date: DateLike | None = None,
        charger: str | None = None,
        location__in: Sequence[str] | None = None,
        page_size: int = 100,
        concurrency: int = 8,
        max_items: int | None = None,
        ordered: bool = True,
    ) -> Pager[FaultRow]:
        """Faults and error conditions (INFERRED path)."""
        return self._report(
            "reports.faults", FaultRow, _by_id,
            start_date=start_date, end_date=end_date, charger=charger, location__in=location__in,
            page_size=page_size, concurrency=concurrency, max_items=max_items, ordered=ordered,
        )  # fmt: skip

    @traced_listing
    def transactions(
        self,
        *,
        start_date: DateLike | None = None,
        end_date: DateLike | None = None,
        charger: str | None = None,
        location__in: Sequence[str] | None = None,
        page_size: int = 100,
        concurrency: int = 8,
        max_items: int | None = None,
        ordered: bool = True,
    ) -> Pager[TransactionRow]:
        """Energy usage and payment transactions (INFERRED path)."""
        return self._report(
            "reports.transactions", TransactionRow, _by_id,
            start_date=start_date, end_date=end_date, charger=charger, location__in=location__in,
            page_size=page_size, concurrency=concurrency, max_items=max_items, ordered=ordered,
        )  # fmt: skip


def _by_charger_id(row: ChargerStatusReportRow | ChargerReportRow) -> str:
    return row.charger_id


def _by_id(row: ChargingSessionRow | FaultRow | TransactionRow) -> str:
    return row.id
