"""``client.charger_ports``: list, get, update, and the remote actions (reserve, start, ...)."""

from __future__ import annotations

import enum
from collections.abc import Sequence
from datetime import datetime
from typing import Any, Final

from .._codec import dumps
from .._pagination import Pager
from .._params import enum_list_param, id_list_param, id_param, ordering_param, str_param
from .._tracing import traced, traced_listing
from ..models import ActionResult, ChargerPort, PaymentType, PortOrdering, PortStatus
from ._base import Resource

__all__ = ["UNSET", "ChargerPorts"]


class _Unset(enum.Enum):
    """Marks an argument that was not passed, as opposed to one passed as ``None``."""

    UNSET = "UNSET"

    def __repr__(self) -> str:
        return "UNSET"


UNSET: Final = _Unset.UNSET

_LIST_PAYMENT = {PaymentType.PAID: "Paid", PaymentType.FREE: "Free"}  # the list filter's spelling


class ChargerPorts(Resource):
    """Charger ports: the connectors vehicles plug into (docs/api-contract.md §4).

    Listing, details and ``update`` are DOC/3P; the remote actions (``reserve``, ``start``,
    ``stop``, ``cancel_reservation``) are INFERRED from the vendor's prose and OCPP 1.6: their
    paths are in the path table (``paths=`` overrides them) and they answer an
    :class:`~epic_async.models.ActionResult` whose ``status`` is kept even when unknown.
    """

    _trace_name = "charger_ports"

    @traced_listing
    def list(
        self,
        *,
        charger: str | None = None,
        charger__payment_type: PaymentType | str | None = None,
        status__in: Sequence[PortStatus | str] | None = None,
        location__in: Sequence[str] | None = None,
        ordering: PortOrdering | str | None = None,
        search: str | None = None,
        page_size: int = 100,
        concurrency: int = 8,
        max_items: int | None = None,
        ordered: bool = True,
    ) -> Pager[ChargerPort]:
        """List ports across the network, fetching pages concurrently.

        Filters (DOC): ``charger`` (charger id), ``charger__payment_type`` (``PaymentType`` or
        ``"Paid"``/``"Free"``), ``status__in`` and ``location__in`` (lists, joined with commas),
        ``ordering`` (``PortOrdering``, e.g. ``"-max_power"``), ``search`` (free text).

        >>> charging = await client.charger_ports.list(status__in=["CHARGING"]).collect()
        >>> {port.status.key for port in charging}
        {<PortStatus.CHARGING: 'CHARGING'>}
        """
        params: dict[str, str] = {}
        if charger is not None:
            params["charger"] = id_param("charger", charger)
        if charger__payment_type is not None:
            params["charger__payment_type"] = _payment_filter(charger__payment_type)
        if status__in is not None:
            params["status__in"] = enum_list_param("status__in", status__in, PortStatus)
        if location__in is not None:
            params["location__in"] = id_list_param("location__in", location__in)
        if ordering is not None:
            params["ordering"] = ordering_param("ordering", ordering, PortOrdering)
        if search is not None:
            params["search"] = str_param("search", search)
        return self._list(
            "charger_ports.list",
            params,
            ChargerPort,
            _port_id,
            page_size=page_size,
            concurrency=concurrency,
            max_items=max_items,
            ordered=ordered,
        )

    @traced
    async def get(self, port_id: str) -> ChargerPort:
        """One port's details. Raises ``NotFoundError`` when no port has that id."""
        return await self._get("charger_ports.get", "port_id", port_id, ChargerPort)

    @traced
    async def update(
        self,
        port_id: str,
        *,
        charging_speed: float | _Unset | None = UNSET,
        max_power: float | _Unset | None = UNSET,
        power: float | _Unset | None = UNSET,
        max_current: float | _Unset | None = UNSET,
        current: float | _Unset | None = UNSET,
        custom_id: str | _Unset | None = UNSET,
        parking_lot: str | _Unset | None = UNSET,
    ) -> ChargerPort:
        """Change port settings (PATCH); only the arguments you pass are sent.

        Passing ``None`` sends ``null`` (clears the field); leaving an argument out leaves the field
        as it is. ``charging_speed`` is in kW. PATCH is not retried on 5xx (see Retries).

        >>> port_id = (await client.charger_ports.list(max_items=1).collect())[0].id
        >>> port = await client.charger_ports.update(port_id, charging_speed=7.4)
        >>> port.charging_speed
        7.4
        """
        pid = id_param("port_id", port_id)
        fields: dict[str, Any] = {}
        for name, value in (
            ("charging_speed", charging_speed),
            ("max_power", max_power),
            ("power", power),
            ("max_current", max_current),
            ("current", current),
        ):
            if value is UNSET:
                continue
            if value is not None and (
                isinstance(value, bool) or not isinstance(value, int | float) or value < 0
            ):
                raise ValueError(f"{name} must be a number >= 0 or None, got {value!r}")
            fields[name] = value
        for name, text in (("custom_id", custom_id), ("parking_lot", parking_lot)):
            if text is UNSET:
                continue
            if text is not None and not isinstance(text, str):
                raise TypeError(f"{name} must be a str or None, got {text!r}")
            fields[name] = text
        if not fields:
            raise ValueError("update() needs at least one field to change, e.g. charging_speed=7.4")
        return await self._send("PATCH", "charger_ports.update", pid, dumps(fields), ChargerPort)

    @traced
    async def reserve(self, port_id: str, *, id_tag: str, expiry_date: datetime) -> ActionResult:
        """Reserve a port for ``id_tag`` until ``expiry_date`` (timezone-aware). INFERRED path.

        >>> from datetime import UTC, datetime, timedelta
        >>> free = await client.charger_ports.list(status__in=["AVAILABLE"], max_items=1).collect()
        >>> when = datetime.now(UTC) + timedelta(hours=1)
        >>> result = await client.charger_ports.reserve(free[0].id, id_tag="TAG1", expiry_date=when)
        >>> result.accepted
        True
        """
        if not isinstance(expiry_date, datetime) or expiry_date.tzinfo is None:
            problem = ValueError if isinstance(expiry_date, datetime) else TypeError
            raise problem(
                f"expiry_date must be a timezone-aware datetime (e.g. datetime.now(UTC) + "
                f"timedelta(hours=1)), got {expiry_date!r}"
            )
        body = {"id_tag": str_param("id_tag", id_tag), "expiry_date": expiry_date.isoformat()}
        return await self._action("charger_ports.reserve", port_id, body)

    @traced
    async def cancel_reservation(self, port_id: str) -> ActionResult:
        """Cancel the port's reservation. INFERRED path."""
        return await self._action("charger_ports.cancel_reservation", port_id, {})

    @traced
    async def start(self, port_id: str, *, id_tag: str | None = None) -> ActionResult:
        """Remote-start a charging session on the port (optionally for ``id_tag``). INFERRED path."""
        body = {} if id_tag is None else {"id_tag": str_param("id_tag", id_tag)}
        return await self._action("charger_ports.start", port_id, body)

    @traced
    async def stop(self, port_id: str) -> ActionResult:
        """Remote-stop the port's charging session. INFERRED path."""
        return await self._action("charger_ports.stop", port_id, {})

    async def _action(self, endpoint: str, port_id: str, body: dict[str, Any]) -> ActionResult:
        pid = id_param("port_id", port_id)
        return await self._send("POST", endpoint, pid, dumps(body), ActionResult)


def _payment_filter(value: PaymentType | str) -> str:
    """The port list filter spells payment types ``Paid``/``Free`` (docs/api-contract.md §7, quirk 1)."""
    if isinstance(value, PaymentType):
        return _LIST_PAYMENT[value]
    if isinstance(value, str) and value.upper() in ("PAID", "FREE"):
        return value.capitalize()
    raise ValueError(
        f"charger__payment_type={value!r} is not a valid choice; valid choices: Paid, Free"
    )


def _port_id(port: ChargerPort) -> str:
    return port.id
