"""DRF serializers: the documented read shapes (list item, detail) and the bulk create rules.

Written as a DRF developer would: ``SerializerMethodField`` for the ``{"key", "value"}`` status
objects, ``DecimalField`` for currents (rendered as strings, as the API documents them), a nested
``many=True`` serializer with ``max_length`` for the bulk body, cross-field rules in
``validate()``. DRF, not this module, decides how errors are shaped.
"""

from __future__ import annotations

from typing import Any, ClassVar

from django.db import transaction
from rest_framework import serializers

from .models import (
    AC_CONNECTORS,
    DC_CONNECTORS,
    Charger,
    ChargerStatus,
    Connectivity,
    ConnectorType,
    CurrentType,
    Location,
    PaymentType,
    PhaseConnectionType,
    Port,
)

__all__ = [
    "BULK_MAX_LENGTH",
    "ChargerCreateLookupSerializer",
    "ChargerCreateSerializer",
    "ChargerDetailSerializer",
    "ChargerFilterSerializer",
    "ChargerListSerializer",
    "ChargersBulkLookupSerializer",
    "ChargersBulkSerializer",
]

#: The most chargers one ``POST chargers`` accepts.
BULK_MAX_LENGTH = 50


def key_value(key: str, label: str) -> dict[str, str]:
    """The API's enum object: ``{"key": "AVAILABLE", "value": "Available"}``."""
    return {"key": key, "value": label}


# --- read side --------------------------------------------------------------------------------


class PortSummarySerializer(serializers.ModelSerializer):
    """A port inside a charger list item."""

    status = serializers.SerializerMethodField()

    class Meta:
        model = Port
        fields = (
            "id",
            "connector_id",
            "status",
            "max_power",
            "charge_current_kilowatt_hour",
            "charging_start_at",
        )

    def get_status(self, port: Port) -> dict[str, str]:
        return key_value(port.status, port.get_status_display())


class ChargerListSerializer(serializers.ModelSerializer):
    """One item of ``GET charger/``: payment type in title case (``"Paid"``), as documented."""

    status = serializers.SerializerMethodField()
    location_name = serializers.CharField(source="location.name", default=None, read_only=True)
    payment_type = serializers.CharField(source="get_payment_type_display", read_only=True)
    ports = PortSummarySerializer(many=True, read_only=True)

    class Meta:
        model = Charger
        fields = (
            "id",
            "custom_id",
            "charger_point_id",
            "status",
            "location_name",
            "temperature",
            "payment_type",
            "id_tag_required",
            "customer_qr_code",
            "ports",
            "charger_group",
        )

    def get_status(self, charger: Charger) -> dict[str, str]:
        return key_value(charger.status, charger.get_status_display())


class PortDetailSerializer(serializers.ModelSerializer):
    """A port inside a charger's details: ``max_current``/``current`` are DecimalFields, so
    DRF renders them as strings (``COERCE_DECIMAL_TO_STRING``), as the API documents."""

    connector_type = serializers.SerializerMethodField()

    class Meta:
        model = Port
        fields = (
            "id",
            "connector_id",
            "max_power",
            "power",
            "max_current",
            "current",
            "charging_speed",
            "connector_type",
            "charging_start_at",
        )

    def get_connector_type(self, port: Port) -> dict[str, str]:
        return key_value(port.connector_type, port.get_connector_type_display())


class ChargerDetailSerializer(serializers.ModelSerializer):
    """``GET charger/{id}/`` and each created charger: payment type as the key (``"PAID"``)."""

    status = serializers.SerializerMethodField()
    location_id = serializers.UUIDField(read_only=True, allow_null=True)
    ports = PortDetailSerializer(many=True, read_only=True)

    class Meta:
        model = Charger
        fields = (
            "id",
            "custom_id",
            "charger_point_id",
            "status",
            "payment_type",
            "customer_qr_code",
            "ports",
            "manufacturer",
            "model",
            "location_id",
            "rfid_required",
            "number_phases",
        )

    def get_status(self, charger: Charger) -> dict[str, str]:
        return key_value(charger.status, charger.get_status_display())


class ChargerFilterSerializer(serializers.Serializer):
    """The list filters, validated like any input: a bad value is DRF's 400 ``{field: [...]}``."""

    status = serializers.ChoiceField(choices=ChargerStatus.choices, required=False)
    current_type = serializers.ChoiceField(choices=CurrentType.choices, required=False)
    number_phases = serializers.ChoiceField(choices=[(1, "1"), (3, "3")], required=False)
    location = serializers.UUIDField(required=False)
    is_active = serializers.BooleanField(required=False)


# --- write side -------------------------------------------------------------------------------


class PortCreateSerializer(serializers.Serializer):
    """A port of a new charger. AC connectors need amperes, DC connectors need kW."""

    connector_id = serializers.IntegerField(min_value=0)
    connector_type = serializers.ChoiceField(choices=ConnectorType.choices)
    max_current = serializers.DecimalField(
        max_digits=6, decimal_places=1, min_value=0, required=False, allow_null=True
    )
    current = serializers.DecimalField(
        max_digits=6, decimal_places=1, min_value=0, required=False, allow_null=True
    )
    max_power = serializers.FloatField(min_value=0, required=False, allow_null=True)
    power = serializers.FloatField(min_value=0, required=False, allow_null=True)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        connector = attrs["connector_type"]
        if connector in AC_CONNECTORS:
            needed, kind = ("max_current", "current"), "an AC connector"
        elif connector in DC_CONNECTORS:
            needed, kind = ("max_power", "power"), "a DC connector"
        else:  # pragma: no cover - every connector type is AC or DC
            return attrs
        missing = {
            name: [f"This field is required for {kind}."]
            for name in needed
            if attrs.get(name) is None
        }
        if missing:
            raise serializers.ValidationError(missing)
        return attrs


class ChargerCreateSerializer(serializers.ModelSerializer):
    """One charger of ``POST chargers``. ``charger_point_id`` is unique: the model's
    ``unique=True`` gives the field DRF's ``UniqueValidator`` (a query per row)."""

    ports = PortCreateSerializer(many=True)
    location = serializers.PrimaryKeyRelatedField(
        queryset=Location.objects.all(), required=False, allow_null=True
    )
    connectivity = serializers.ChoiceField(choices=Connectivity.choices, required=False)
    current_type = serializers.ChoiceField(choices=CurrentType.choices, required=False)
    payment_type = serializers.ChoiceField(choices=PaymentType.choices, required=False)
    number_phases = serializers.ChoiceField(choices=[(1, "1"), (3, "3")], required=False)
    phase_connection_type = serializers.ChoiceField(
        choices=PhaseConnectionType.choices, required=False
    )

    class Meta:
        model = Charger
        fields = (
            "charger_point_id",
            "manufacturer",
            "model",
            "rfid_required",
            "ports",
            "custom_id",
            "sim_card",
            "location",
            "connectivity",
            "current_type",
            "payment_type",
            "number_phases",
            "id_tag_required",
            "phase_connection_type",
        )
        extra_kwargs: ClassVar = {"rfid_required": {"required": True, "allow_null": False}}

    def create(self, validated_data: dict[str, Any]) -> Charger:
        ports = validated_data.pop("ports")
        charger: Charger = Charger.objects.create(created_by_api=True, **validated_data)
        Port.objects.bulk_create(Port(charger=charger, **_with_power(port)) for port in ports)
        return charger


def _with_power(port: dict[str, Any]) -> dict[str, Any]:
    """An AC port's power (kW) derived from its amperes on one 230 V phase, so every port lists a
    ``max_power`` number, as the list shape documents."""
    if port.get("max_power") is None and port.get("max_current") is not None:
        port["max_power"] = round(float(port["max_current"]) * 230 / 1000, 1)
        port["power"] = round(float(port.get("current") or 0) * 230 / 1000, 1)
    return port


class ChargersBulkSerializer(serializers.Serializer):
    """The body of ``POST chargers``: ``{"chargers": [...]}``, at most ``BULK_MAX_LENGTH``."""

    chargers = ChargerCreateSerializer(many=True, max_length=BULK_MAX_LENGTH)

    def create(self, validated_data: dict[str, Any]) -> dict[str, list[Charger]]:
        # All or nothing: one failing row rolls back the rows created before it.
        with transaction.atomic():
            created = self.fields["chargers"].create(validated_data["chargers"])
        return {"chargers": created}


class ChargerCreateLookupSerializer(ChargerCreateSerializer):
    """``location`` as a plain UUID that ``create()`` looks up itself, as some views do: a row
    naming no location raises ``Location.DoesNotExist`` there, which names no row."""

    location = serializers.UUIDField(required=False, allow_null=True)

    def create(self, validated_data: dict[str, Any]) -> Charger:
        location_id = validated_data.pop("location", None)
        if location_id is not None:
            validated_data["location"] = Location.objects.get(pk=location_id)
        return super().create(validated_data)


class ChargersBulkLookupSerializer(ChargersBulkSerializer):
    """``POST chargers`` with :class:`ChargerCreateLookupSerializer` rows."""

    chargers = ChargerCreateLookupSerializer(many=True, max_length=BULK_MAX_LENGTH)
