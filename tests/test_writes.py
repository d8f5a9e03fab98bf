"""Create rows: strict enums, DRF-shaped errors, bodies that leave out what was not given."""

from __future__ import annotations

from typing import Any

import pytest

from epic_async._codec import dumps, loads
from epic_async._writes import CreateValidationError, structure_create, unstructure_create
from epic_async.models import ChargerCreate, ConnectorType, PaymentType, UserCreate

ROW: dict[str, Any] = {
    "charger_point_id": "CP-9",
    "manufacturer": "epic_ocpp",
    "model": "epic_pro",
    "rfid_required": "false",  # as read from a CSV
    "payment_type": "paid",
    "number_phases": "3",
    "ports": [{"connector_id": 1, "connector_type": "ccs", "max_power": 150, "power": 150}],
}


def test_create_rows_from_dicts_are_coerced_and_leave_out_what_was_not_given() -> None:
    model = structure_create(ROW, ChargerCreate)
    assert model.rfid_required is False and model.number_phases == 3
    assert model.payment_type is PaymentType.PAID
    assert model.ports[0].connector_type is ConnectorType.CCS
    body = loads(dumps(unstructure_create(model)))
    assert body["payment_type"] == "PAID"
    assert "custom_id" not in body and "max_current" not in body["ports"][0]
    assert structure_create(model, ChargerCreate) is model


def test_create_errors_are_drf_shaped_and_name_the_field() -> None:
    bad = {
        **ROW,
        "manufacturer": None,
        "ports": [ROW["ports"][0], {"connector_id": "x", "connector_type": "TYPE_9"}],
    }
    del bad["model"]
    with pytest.raises(CreateValidationError) as caught:
        structure_create(bad, ChargerCreate)
    errors = caught.value.field_errors
    assert errors["model"] == ["This field is required."]
    assert errors["manufacturer"] == ["This field may not be null."]
    assert errors["ports"][0] == {}
    assert "TYPE_9" in errors["ports"][1]["connector_type"][0]
    assert "CCS_COMBO_2" in errors["ports"][1]["connector_type"][0]  # the valid choices
    assert "'x'" in errors["ports"][1]["connector_id"][0]


def test_strict_enums_and_booleans_in_create_rows() -> None:
    with pytest.raises(CreateValidationError, match="boss"):
        structure_create(
            {"email": "a@b.co", "role": "boss", "driver": {}, "id_tags": []}, UserCreate
        )
    with pytest.raises(CreateValidationError, match="rfid_required"):
        structure_create({**ROW, "rfid_required": "maybe"}, ChargerCreate)
    with pytest.raises(CreateValidationError, match="expected a ChargerCreate or a dict"):
        structure_create(["CP-1"], ChargerCreate)


def test_create_models_give_their_body_entry() -> None:
    model = structure_create(ROW, ChargerCreate)
    data = model.to_dict()
    assert data == loads(dumps(unstructure_create(model)))
    assert data["ports"][0]["connector_type"] == "CCS" and "custom_id" not in data
    assert loads(model.to_json()) == data
