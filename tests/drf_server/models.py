"""The tables: locations, chargers and their ports, as a Django developer of the API would model
them (UUID primary keys, choices as upper-case keys with human labels)."""

from __future__ import annotations

import uuid

from django.db import models
from django.utils import timezone

__all__ = [
    "AC_CONNECTORS",
    "DC_CONNECTORS",
    "Charger",
    "ChargerStatus",
    "Connectivity",
    "ConnectorType",
    "CurrentType",
    "Location",
    "PaymentType",
    "PhaseConnectionType",
    "Port",
    "PortStatus",
]


class ChargerStatus(models.TextChoices):
    DISABLED = "DISABLED", "Disabled"
    AVAILABLE = "AVAILABLE", "Available"
    STANDBY = "STANDBY", "Standby"
    CHARGING = "CHARGING", "Charging"
    OFFLINE = "OFFLINE", "Offline"
    FAULTED = "FAULTED", "Faulted"
    RESERVED = "RESERVED", "Reserved"
    UNAVAILABLE = "UNAVAILABLE", "Unavailable"


class PortStatus(models.TextChoices):
    """A few of the documented port statuses: enough for the seeded fleet."""

    AVAILABLE = "AVAILABLE", "Available"
    CHARGING = "CHARGING", "Charging"
    PREPARING = "PREPARING", "Preparing"
    FAULTED = "FAULTED", "Faulted"
    OFFLINE = "OFFLINE", "Offline"


class ConnectorType(models.TextChoices):
    J1772 = "J1772", "J1772"
    CCS = "CCS", "CCS"
    CHADEMO = "CHADEMO", "CHAdeMO"
    NACS = "NACS", "NACS"
    SHUKO = "SHUKO", "Schuko"
    TYPE_2 = "TYPE_2", "Type 2"
    CCS_COMBO_2 = "CCS_COMBO_2", "CCS Combo 2"


#: AC connectors are rated in amperes (max_current/current), DC ones in kW (max_power/power).
AC_CONNECTORS = frozenset({ConnectorType.J1772, ConnectorType.TYPE_2, ConnectorType.SHUKO})
DC_CONNECTORS = frozenset(
    {ConnectorType.CCS, ConnectorType.CHADEMO, ConnectorType.CCS_COMBO_2, ConnectorType.NACS}
)


class Connectivity(models.TextChoices):
    WIFI = "WIFI", "Wi-Fi"
    ETHERNET = "ETHERNET", "Ethernet"
    CELLULAR = "CELLULAR", "Cellular"
    NONE = "NONE", "None"


class CurrentType(models.TextChoices):
    AC = "AC", "AC"
    DC = "DC", "DC"
    NACS = "NACS", "NACS"


class PaymentType(models.TextChoices):
    PAID = "PAID", "Paid"
    FREE = "FREE", "Free"


class PhaseConnectionType(models.TextChoices):
    DELTA = "DELTA", "Delta"
    WYE = "WYE", "Wye"


class Location(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(max_length=200)


class Charger(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    charger_point_id = models.CharField(max_length=100, unique=True)
    custom_id = models.CharField(max_length=100, null=True, blank=True)
    status = models.CharField(
        max_length=20, choices=ChargerStatus.choices, default=ChargerStatus.OFFLINE
    )
    manufacturer = models.CharField(max_length=100)
    model = models.CharField(max_length=100)
    rfid_required = models.BooleanField(null=True)
    id_tag_required = models.BooleanField(default=False)
    payment_type = models.CharField(
        max_length=4, choices=PaymentType.choices, default=PaymentType.PAID
    )
    number_phases = models.PositiveSmallIntegerField(choices=[(1, "1"), (3, "3")], default=1)
    connectivity = models.CharField(max_length=10, choices=Connectivity.choices, null=True)
    current_type = models.CharField(max_length=4, choices=CurrentType.choices, null=True)
    phase_connection_type = models.CharField(
        max_length=5, choices=PhaseConnectionType.choices, null=True
    )
    sim_card = models.CharField(max_length=40, null=True, blank=True)
    temperature = models.FloatField(default=20.0)
    customer_qr_code = models.CharField(max_length=200, null=True)
    charger_group = models.CharField(max_length=100, null=True)
    is_active = models.BooleanField(default=True)
    location = models.ForeignKey(Location, null=True, on_delete=models.SET_NULL)
    #: Set for rows made by ``POST chargers`` (not the seed): counts creations, proves exactly-once.
    created_by_api = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        # Offset pagination needs a total order: creation time, then id for equal timestamps.
        ordering = ("created_at", "id")


class Port(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    charger = models.ForeignKey(Charger, related_name="ports", on_delete=models.CASCADE)
    connector_id = models.PositiveIntegerField(null=True)
    connector_type = models.CharField(max_length=12, choices=ConnectorType.choices)
    status = models.CharField(
        max_length=20, choices=PortStatus.choices, default=PortStatus.AVAILABLE
    )
    max_power = models.FloatField(null=True)
    power = models.FloatField(null=True)
    max_current = models.DecimalField(max_digits=6, decimal_places=1, null=True)
    current = models.DecimalField(max_digits=6, decimal_places=1, null=True)
    charging_speed = models.FloatField(default=0.0)
    charge_current_kilowatt_hour = models.FloatField(null=True)
    charging_start_at = models.DateTimeField(null=True)

    class Meta:
        ordering = ("connector_id", "id")
