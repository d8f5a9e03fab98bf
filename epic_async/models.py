"""Typed models of everything the API reads and writes: frozen attrs classes and string enums.

Read models (subclasses of :class:`ReadModel`) are tolerant: a field typed ``SomeEnum | str``
holds the enum member when the value is known and the raw string when the API has grown a new one
(the vendor says its lists will grow), and whatever a model did not type (unknown keys, values that
did not fit) stays readable in its :attr:`~ReadModel.extra`. Create models are strict: their enums
must be valid before a row is sent. Models hold no JSON and no client; the converter layer
(``_reads``, ``_writes``, ``_codec``) owns every wire rule. Shapes follow ``docs/wire-shapes.md``.

>>> from epic_async.models import ChargerCreate, PortCreate, ConnectorType
>>> row = ChargerCreate(charger_point_id="CP-1", manufacturer="epic_ocpp", model="epic_pro",
...     rfid_required=False, ports=[PortCreate(connector_id=1, connector_type=ConnectorType.CCS,
...     max_power=150, power=150)])
>>> row.ports[0].connector_type
<ConnectorType.CCS: 'CCS'>
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import datetime
from enum import StrEnum
from typing import Any, Generic, TypeVar

import attrs
from attrs import field, frozen

__all__ = [
    "ActionResult",
    "ActionStatus",
    "AddressComponent",
    "Charger",
    "ChargerCreate",
    "ChargerDetail",
    "ChargerDetailPort",
    "ChargerPort",
    "ChargerPortSummary",
    "ChargerReportRow",
    "ChargerStatus",
    "ChargerStatusInfo",
    "ChargerStatusReportPort",
    "ChargerStatusReportRow",
    "ChargingSessionRow",
    "Connectivity",
    "ConnectivityWrite",
    "ConnectorType",
    "ConnectorTypeInfo",
    "CurrentType",
    "Driver",
    "DriverCreate",
    "Extra",
    "FaultRow",
    "FaultSeverity",
    "Geometry",
    "LatLng",
    "Location",
    "LocationCreate",
    "NotificationSetting",
    "Page",
    "PaymentType",
    "PhaseConnectionType",
    "PlacesApiData",
    "PlacesApiDataCreate",
    "PortCreate",
    "PortOrdering",
    "PortStatus",
    "PortStatusInfo",
    "ReadModel",
    "SessionStatus",
    "TransactionRow",
    "User",
    "UserCreate",
    "UserRole",
    "UserStatus",
    "WriteModel",
]

T = TypeVar("T")

# --- enums (DOC unless marked) --------------------------------------------------------------


class ChargerStatus(StrEnum):
    DISABLED = "DISABLED"
    AVAILABLE = "AVAILABLE"
    STANDBY = "STANDBY"
    CHARGING = "CHARGING"
    OFFLINE = "OFFLINE"
    FAULTED = "FAULTED"
    RESERVED = "RESERVED"
    UNAVAILABLE = "UNAVAILABLE"


class PortStatus(StrEnum):
    """The 33 documented port statuses; the vendor says the list will grow."""

    DISABLED = "DISABLED"
    AVAILABLE = "AVAILABLE"
    STANDBY = "STANDBY"
    CHARGING = "CHARGING"
    OFFLINE = "OFFLINE"
    FAULTED = "FAULTED"
    RESERVED = "RESERVED"
    UNAVAILABLE = "UNAVAILABLE"
    UNDEFINED = "UNDEFINED"
    NOT_CHARGING = "NOT_CHARGING"
    COMPLETE = "COMPLETE"
    ASLEEP = "ASLEEP"
    STARTING = "STARTING"
    STOPPING = "STOPPING"
    WAITING_CHARGER = "WAITING_CHARGER"
    WAITING_VEHICLE = "WAITING_VEHICLE"
    IN_PROGRESS = "IN_PROGRESS"
    FAILED_START = "FAILED_START"
    FAILED_STOP = "FAILED_STOP"
    NO_SESSION = "NO_SESSION"
    PREPARING = "PREPARING"
    SUSPENDED_EV = "SUSPENDED_EV"
    SUSPENDED_EVSE = "SUSPENDED_EVSE"
    UNPLUGGED = "UNPLUGGED"
    UNPLUGGED_NOT_CHARGING = "UNPLUGGED_NOT_CHARGING"
    UNPLUGGED_CHARGING = "UNPLUGGED_CHARGING"
    PLUGGED_IN_NOT_CHARGING = "PLUGGED_IN_NOT_CHARGING"
    PLUGGED_IN_SUSPENDED_EV = "PLUGGED_IN_SUSPENDED_EV"
    PLUGGED_IN_CHARGING = "PLUGGED_IN_CHARGING"
    CHARGING_COMPLETE = "CHARGING_COMPLETE"
    CUSTOM_CHARGER = "CUSTOM_CHARGER"
    CUSTOM_VEHICLE = "CUSTOM_VEHICLE"
    FINISHING = "FINISHING"


class CurrentType(StrEnum):
    AC = "AC"
    DC = "DC"
    NACS = "NACS"


class ConnectorType(StrEnum):
    J1772 = "J1772"
    CCS = "CCS"
    CHADEMO = "CHADEMO"
    NACS = "NACS"
    SHUKO = "SHUKO"  # sic: the API's spelling
    TYPE_2 = "TYPE_2"
    CCS_COMBO_2 = "CCS_COMBO_2"


class PaymentType(StrEnum):
    """``PAID``/``FREE``. Charger lists and the port filter spell them ``Paid``/``Free``; the
    converter reads either spelling, and the port filter sends the title-case one."""

    PAID = "PAID"
    FREE = "FREE"


class Connectivity(StrEnum):
    WIFI = "WIFI"
    ETHERNET = "ETHERNET"
    CELLULAR = "CELLULAR"
    NONE = "NONE"


class PhaseConnectionType(StrEnum):
    DELTA = "DELTA"
    WYE = "WYE"


class UserRole(StrEnum):
    PARTNER = "partner"
    TENANT_OWNER = "tenant_owner"
    ADMIN = "admin"
    DRIVER = "driver"


class UserStatus(StrEnum):
    ADDED = "add"
    INVITED = "inv"
    ACTIVE = "act"
    DEACTIVATED = "deact"


class NotificationSetting(StrEnum):
    NO_NOTIFICATIONS = "NO_NOTIFICATIONS"
    CHARGER_WARNINGS_AND_ALERTS = "CHARGER_WARNINGS_AND_ALERTS"


class ActionStatus(StrEnum):
    """Answer of a port action (INFERRED, OCPP 1.6 semantics)."""

    ACCEPTED = "Accepted"
    REJECTED = "Rejected"
    OCCUPIED = "Occupied"
    FAULTED = "Faulted"
    UNAVAILABLE = "Unavailable"


class SessionStatus(StrEnum):
    """Charging-session report status (INFERRED)."""

    COMPLETED = "COMPLETED"
    IN_PROGRESS = "IN_PROGRESS"
    FAILED = "FAILED"


class FaultSeverity(StrEnum):
    """Fault report severity (INFERRED)."""

    INFO = "INFO"
    WARNING = "WARNING"
    CRITICAL = "CRITICAL"


class PortOrdering(StrEnum):
    """Sort keys of ``charger_ports.list(ordering=...)``; prefix ``-`` for descending."""

    CREATED_AT = "created_at"
    CUSTOM_ID = "custom_id"
    STATUS = "status"
    PARKING_LOT = "parking_lot"
    TEMPERATURE = "temperature"
    MAX_POWER = "max_power"
    CURRENT_KILOWATT_HOUR = "current_kilowatt_hour"
    START_CHARGING_AT = "start_charging_at"
    END_CHARGING_AT = "end_charging_at"
    CHARGER_POINT_ID = "charger_point_id"
    LOCATION_NAME = "location_name"


# --- what every read model shares ------------------------------------------------------------


class Extra(Mapping[str, Any]):
    """A read-only mapping of what a model did not type: unknown keys and values that did not fit.

    Read-only like the frozen model that holds it, and picklable (unlike ``MappingProxyType``), so
    models cross process boundaries with it.

    >>> Extra({"telemetry": {"voltage": 230}})["telemetry"]
    {'voltage': 230}
    """

    __slots__ = ("_data",)

    def __init__(self, data: Mapping[str, Any]) -> None:
        self._data = dict(data)

    def __getitem__(self, key: str) -> Any:
        return self._data[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._data)

    def __len__(self) -> int:
        return len(self._data)

    def __repr__(self) -> str:
        return f"Extra({self._data!r})"

    def __reduce__(self) -> tuple[type[Extra], tuple[dict[str, Any]]]:
        return (Extra, (self._data,))

    __hash__ = None  # type: ignore[assignment]  # a mapping: equal to a dict with the same items


@frozen(kw_only=True, repr=False)
class ReadModel:
    """Base of every model the API answers with.

    ``extra`` holds what the model did not type: keys the model does not know (a field a tenant's
    API has and this release lacks) and values that did not fit their field. It is ``None`` when
    there is nothing, so the common case costs no memory; it takes part in ``==`` but not in
    ``hash()``, and shows in ``repr`` only when set. Subclasses are declared
    ``@frozen(kw_only=True, repr=False)`` so that this ``repr`` applies.

    >>> from epic_async.models import ChargerStatusInfo
    >>> ChargerStatusInfo(key="AVAILABLE", value="Available")
    ChargerStatusInfo(key='AVAILABLE', value='Available')
    """

    extra: Mapping[str, Any] | None = field(default=None, hash=False)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready data keyed by the API's field names: datetimes as ISO 8601 strings, enums
        as their values, and what did not fit merged back from ``extra`` as the API sent it.

        >>> from epic_async.models import ChargerStatusInfo, ChargerStatus
        >>> ChargerStatusInfo(key=ChargerStatus.AVAILABLE, value="Available").to_dict()
        {'key': 'AVAILABLE', 'value': 'Available'}
        """
        from ._codec import json_ready  # the wire format lives in the converter layer
        from ._reads import unstructure

        data: dict[str, Any] = json_ready(unstructure(self))
        return data

    def to_json(self) -> str:
        """:meth:`to_dict` as a compact JSON string."""
        from ._codec import dumps
        from ._reads import unstructure

        return dumps(unstructure(self)).decode()

    def __repr__(self) -> str:
        parts = [
            f"{a.name}={getattr(self, a.name)!r}"
            for a in attrs.fields(type(self))
            if a.name != "extra"
        ]
        if self.extra is not None:
            parts.append(f"extra={self.extra!r}")
        return f"{type(self).__name__}({', '.join(parts)})"


class WriteModel:
    """Base of the create models: what a row sends, as JSON-ready data on request."""

    __slots__ = ()

    def to_dict(self) -> dict[str, Any]:
        """The row's JSON body entry, keyed by the API's field names, leaving out the fields
        that were not given (DRF treats a missing field and ``null`` differently).

        >>> from epic_async.models import DriverCreate
        >>> DriverCreate(driver_license="X1").to_dict()
        {'driver_license': 'X1'}
        """
        from ._codec import json_ready  # the wire format lives in the converter layer
        from ._writes import unstructure_create

        data: dict[str, Any] = json_ready(unstructure_create(self))
        return data

    def to_json(self) -> str:
        """:meth:`to_dict` as a compact JSON string."""
        from ._codec import dumps
        from ._writes import unstructure_create

        return dumps(unstructure_create(self)).decode()


# --- status objects: {"key": ..., "value": ...} ---------------------------------------------


@frozen(kw_only=True, repr=False)
class ChargerStatusInfo(ReadModel):
    """A charger status object: ``key`` is the enum (or the raw string if new), ``value`` a label."""

    key: ChargerStatus | str
    value: str = ""


@frozen(kw_only=True, repr=False)
class PortStatusInfo(ReadModel):
    """A port status object: ``key`` is the enum (or the raw string if new), ``value`` a label."""

    key: PortStatus | str
    value: str = ""


@frozen(kw_only=True, repr=False)
class ConnectorTypeInfo(ReadModel):
    """A connector type object: ``key`` is the enum (or the raw string if new), ``value`` a label."""

    key: ConnectorType | str
    value: str = ""


# --- chargers (DOC) ---------------------------------------------------------------------------


@frozen(kw_only=True, repr=False)
class ChargerPortSummary(ReadModel):
    """A port as embedded in a charger list item."""

    id: str
    connector_id: int | None = None
    status: PortStatusInfo
    max_power: float | None = None
    charge_current_kilowatt_hour: float | None = None
    charging_start_at: datetime | None = None


@frozen(kw_only=True, repr=False)
class Charger(ReadModel):
    """One item of ``GET charger/``."""

    id: str
    charger_point_id: str
    custom_id: str | None = None
    status: ChargerStatusInfo
    location_name: str | None = None
    temperature: float | None = None
    payment_type: PaymentType | str | None = None
    id_tag_required: bool | None = None
    customer_qr_code: str | None = None
    ports: tuple[ChargerPortSummary, ...] = ()
    charger_group: str | None = None


@frozen(kw_only=True, repr=False)
class ChargerDetailPort(ReadModel):
    """A port as embedded in a charger's details."""

    id: str
    connector_id: int | None = None
    max_power: float | None = None
    power: float | None = None
    max_current: str | None = None  # a string on the wire (DOC)
    current: str | None = None
    charging_speed: float | None = None
    connector_type: ConnectorTypeInfo | None = None
    charging_start_at: datetime | None = None


@frozen(kw_only=True, repr=False)
class ChargerDetail(ReadModel):
    """``GET charger/{id}/``, and each item of the ``POST chargers`` answer."""

    id: str
    charger_point_id: str
    custom_id: str | None = None
    status: ChargerStatusInfo
    payment_type: PaymentType | str | None = None
    customer_qr_code: str | None = None
    ports: tuple[ChargerDetailPort, ...] = ()
    manufacturer: str | None = None
    model: str | None = None
    location_id: str | None = None
    rfid_required: bool | None = None
    number_phases: int | None = None


# --- charger ports (INFERRED beyond id/max_power) ---------------------------------------------


@frozen(kw_only=True, repr=False)
class ChargerPort(ReadModel):
    """``GET charger-port/`` items, ``GET|PATCH charger-port/{id}/``."""

    id: str
    charger: str | None = None
    charger_point_id: str | None = None
    location_name: str | None = None
    custom_id: str | None = None
    connector_id: int | None = None
    connector_type: ConnectorTypeInfo | None = None
    status: PortStatusInfo
    max_power: float | None = None
    power: float | None = None
    max_current: str | None = None
    current: str | None = None
    charging_speed: float | None = None
    current_kilowatt_hour: float | None = None
    start_charging_at: datetime | None = None
    end_charging_at: datetime | None = None
    parking_lot: str | None = None
    temperature: float | None = None
    created_at: datetime | None = None


@frozen(kw_only=True, repr=False)
class ActionResult(ReadModel):
    """Answer of reserve / start / stop / cancel_reservation. ``accepted`` is the usual check."""

    status: ActionStatus | str

    @property
    def accepted(self) -> bool:
        return self.status == ActionStatus.ACCEPTED


# --- locations (INFERRED read side) -----------------------------------------------------------


@frozen(kw_only=True, repr=False)
class LatLng(ReadModel):
    lat: float
    lng: float


@frozen(kw_only=True, repr=False)
class Geometry(ReadModel):
    location: LatLng


@frozen(kw_only=True, repr=False)
class AddressComponent(ReadModel):
    long_name: str
    short_name: str
    types: tuple[str, ...] = ()


@frozen(kw_only=True, repr=False)
class PlacesApiData(ReadModel):
    place_id: str
    formatted_address: str
    geometry: Geometry | None = None
    address_components: tuple[AddressComponent, ...] = ()
    utc_offset: int | None = None


@frozen(kw_only=True)
class ConnectivityWrite(WriteModel):
    sim_card: str | None = None
    router_number: str | None = None
    fleet: str | None = None


@frozen(kw_only=True, repr=False)
class Location(ReadModel):
    """``GET location/`` items, ``GET location/{id}/``, items of the ``POST locations`` answer.

    ``location`` is ``[latitude, longitude]`` (latitude first, docs/api-contract.md §7.4).
    """

    id: str
    custom_id: str
    formatted_address: str | None = None
    company_name: str | None = None
    website: str | None = None
    contact_name: str | None = None
    contact_phone: str | None = None
    contact_email: str | None = None
    is_members_only: bool | None = None
    location: tuple[float, float] | None = None
    places_api_data: PlacesApiData | None = None
    created_at: datetime | None = None


# --- users (INFERRED read side) ---------------------------------------------------------------


@frozen(kw_only=True, repr=False)
class Driver(ReadModel):
    driver_license: str | None = None
    is_allow_id_tag_activation: bool | None = None


@frozen(kw_only=True, repr=False)
class User(ReadModel):
    """``GET user/`` items, ``GET user/{uuid}/``, items of the ``POST users`` answer."""

    uuid: str
    email: str
    first_name: str | None = None
    last_name: str | None = None
    phone_number: str | None = None
    role: UserRole | str | None = None
    status: UserStatus | str | None = None
    avatar: str | None = None
    is_two_factor_authentication: bool | None = None
    can_manage_payout_access: bool | None = None
    has_payout_access: bool | None = None
    location: str | None = None
    location_name: str | None = None
    mailing_address: str | None = None
    driver: Driver | None = None
    id_tags: tuple[str, ...] = ()
    chargers: tuple[str, ...] = ()
    notification_settings: NotificationSetting | str | None = None
    created_at: datetime | None = None


# --- report rows (INFERRED) -------------------------------------------------------------------


@frozen(kw_only=True, repr=False)
class ChargerStatusReportPort(ReadModel):
    id: str
    connector_id: int | None = None
    status: PortStatusInfo


@frozen(kw_only=True, repr=False)
class ChargerStatusReportRow(ReadModel):
    """A row of ``report/charger-status/`` (3P path; INFERRED row shape)."""

    charger_id: str
    charger_point_id: str
    location_id: str | None = None
    location_name: str | None = None
    status: ChargerStatusInfo
    ports: tuple[ChargerStatusReportPort, ...] = ()
    last_heartbeat_at: datetime | None = None


@frozen(kw_only=True, repr=False)
class ChargerReportRow(ReadModel):
    """A row of ``report/charger/`` (INFERRED)."""

    charger_id: str
    charger_point_id: str
    location_name: str | None = None
    sessions_count: int = 0
    energy_kwh: float = 0.0
    uptime_percent: float | None = None
    faults_count: int = 0
    revenue: float = 0.0
    currency: str | None = None


@frozen(kw_only=True, repr=False)
class ChargingSessionRow(ReadModel):
    """A row of ``report/charging-session/`` (INFERRED)."""

    id: str
    charger_id: str
    charger_point_id: str
    port_id: str | None = None
    connector_id: int | None = None
    location_name: str | None = None
    user_uuid: str | None = None
    id_tag: str | None = None
    started_at: datetime | None = None
    ended_at: datetime | None = None
    energy_kwh: float = 0.0
    duration_seconds: int = 0
    cost: float = 0.0
    currency: str | None = None
    status: SessionStatus | str | None = None


@frozen(kw_only=True, repr=False)
class FaultRow(ReadModel):
    """A row of ``report/fault/`` (INFERRED)."""

    id: str
    charger_id: str
    charger_point_id: str
    port_id: str | None = None
    error_code: str | None = None
    vendor_error_code: str | None = None
    info: str | None = None
    severity: FaultSeverity | str | None = None
    occurred_at: datetime | None = None
    resolved_at: datetime | None = None


@frozen(kw_only=True, repr=False)
class TransactionRow(ReadModel):
    """A row of ``report/transaction/`` (INFERRED)."""

    id: str
    session_id: str | None = None
    charger_id: str | None = None
    charger_point_id: str | None = None
    user_uuid: str | None = None
    energy_kwh: float = 0.0
    amount: float = 0.0
    currency: str | None = None
    payment_type: PaymentType | str | None = None
    created_at: datetime | None = None


@frozen(kw_only=True)
class Page(Generic[T]):
    """The pagination envelope of every list endpoint."""

    count: int
    next: str | None = None
    previous: str | None = None
    results: list[T] = field(factory=list)


# --- create models (strict: enums must be valid) ----------------------------------------------


@frozen(kw_only=True)
class PortCreate(WriteModel):
    """A port of a new charger. AC ports need ``max_current`` and ``current`` (amperes); DC ports
    need ``max_power`` and ``power`` (kW)."""

    connector_id: int
    connector_type: ConnectorType
    max_current: float | None = None
    current: float | None = None
    max_power: float | None = None
    power: float | None = None


@frozen(kw_only=True)
class ChargerCreate(WriteModel):
    """One row of ``POST chargers`` (DOC). ``charger_point_id`` must be unique on the tenant."""

    charger_point_id: str
    manufacturer: str
    model: str
    rfid_required: bool
    ports: list[PortCreate]
    custom_id: str | None = None
    sim_card: str | None = None
    location: str | None = None
    connectivity: Connectivity | None = None
    current_type: CurrentType | None = None
    payment_type: PaymentType | None = None
    number_phases: int | None = None
    id_tag_required: bool | None = None
    phase_connection_type: PhaseConnectionType | None = None


@frozen(kw_only=True)
class PlacesApiDataCreate(WriteModel):
    """Google Places data of a new location; ``geometry.location.lat/lng`` are required."""

    place_id: str
    formatted_address: str
    geometry: Geometry
    address_components: list[AddressComponent] = field(factory=list)
    utc_offset: int | None = None


@frozen(kw_only=True)
class LocationCreate(WriteModel):
    """One row of ``POST locations`` (DOC). ``location`` is ``[latitude, longitude]``."""

    custom_id: str
    formatted_address: str
    places_api_data: PlacesApiDataCreate
    company_name: str | None = None
    website: str | None = None
    contact_name: str | None = None
    contact_phone: str | None = None
    contact_email: str | None = None
    is_members_only: bool | None = None
    location: tuple[float, float] | None = None
    connectivity_write: list[ConnectivityWrite] | None = None


@frozen(kw_only=True)
class DriverCreate(WriteModel):
    driver_license: str | None = None
    is_allow_id_tag_activation: bool | None = None


@frozen(kw_only=True)
class UserCreate(WriteModel):
    """One row of ``POST users`` (DOC). ``email`` must be unique on the tenant."""

    email: str
    role: UserRole
    driver: DriverCreate
    id_tags: list[str]
    first_name: str | None = None
    last_name: str | None = None
    phone_number: str | None = None
    location: str | None = None
    location_name: str | None = None
    mailing_address: str | None = None
    status: UserStatus | None = None
    mobile_chargers: list[str] | None = None
    chargers: list[str] | None = None
    vehicles: list[str] | None = None
    notification_settings: NotificationSetting | None = None
    should_send_invitation_email: bool | None = None
    has_payout_access: bool | None = None
    is_email_real: bool | None = None
