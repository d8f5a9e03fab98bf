from __future__ import annotations

import uuid
from datetime import date, datetime

import pytest

from epic_async import EpicClient
from epic_async._params import (
    bool_param,
    date_param,
    enum_list_param,
    enum_param,
    id_param,
    int_choice_param,
)
from epic_async.models import ChargerStatus, PortStatus
from epic_async.testing import FakeEpicServer


def test_enum_accepts_member_or_string_and_lists_choices_otherwise() -> None:
    assert enum_param("status", ChargerStatus.AVAILABLE, ChargerStatus) == "AVAILABLE"
    assert enum_param("status", "CHARGING", ChargerStatus) == "CHARGING"
    assert enum_param("status", "available", ChargerStatus) == "AVAILABLE"  # any case
    with pytest.raises(
        ValueError,
        match=r"status='sleeping' is not a valid choice; valid choices: DISABLED, AVAILABLE",
    ):
        enum_param("status", "sleeping", ChargerStatus)


def test_in_filters_join_with_commas_and_refuse_a_bare_string() -> None:
    assert (
        enum_list_param("status__in", ["CHARGING", PortStatus.AVAILABLE], PortStatus)
        == "CHARGING,AVAILABLE"
    )
    with pytest.raises(TypeError, match="takes a list"):
        enum_list_param("status__in", "CHARGING", PortStatus)
    with pytest.raises(ValueError, match="empty list"):
        enum_list_param("status__in", [], PortStatus)


@pytest.mark.parametrize("bad", ["", "  ", "a/b", " x", "x?y"])
def test_blank_or_unsafe_ids_are_refused(bad: str) -> None:
    with pytest.raises(ValueError, match="charger_id"):
        id_param("charger_id", bad)


def test_ids_accept_uuid_and_refuse_other_types() -> None:
    u = uuid.uuid4()
    assert id_param("charger_id", u) == str(u)
    with pytest.raises(TypeError, match="charger_id must be a str"):
        id_param("charger_id", 12)


def test_dates_bools_and_int_choices() -> None:
    assert date_param("start_date", date(2026, 1, 2)) == "2026-01-02"
    assert date_param("start_date", datetime(2026, 1, 2, 23, 0)) == "2026-01-02"
    assert date_param("start_date", "2026-01-02") == "2026-01-02"
    with pytest.raises(ValueError, match="start_date"):
        date_param("start_date", "yesterday")
    assert bool_param("is_active", True) == "true"
    with pytest.raises(TypeError, match="is_active"):
        bool_param("is_active", "yes")
    assert int_choice_param("number_phases", 3, (1, 3)) == "3"
    with pytest.raises(ValueError, match=r"number_phases=2 .* \[1, 3\]"):
        int_choice_param("number_phases", 2, (1, 3))


def test_ordering_takes_a_descending_prefix() -> None:
    from epic_async._params import ordering_param
    from epic_async.models import PortOrdering

    assert ordering_param("ordering", "-max_power", PortOrdering) == "-max_power"
    assert ordering_param("ordering", PortOrdering.STATUS, PortOrdering) == "status"
    with pytest.raises(ValueError, match="ordering='-speed'"):
        ordering_param("ordering", "-speed", PortOrdering)


async def test_filters_take_enum_values_in_any_case_and_send_the_documented_spelling(
    server: FakeEpicServer, client: EpicClient
) -> None:
    await client.chargers.list(status="available", current_type="dc", max_items=1).collect()
    await client.charger_ports.list(
        status__in=["charging"], charger__payment_type="paid", max_items=1
    ).collect()
    await client.users.list(role="DRIVER", status="ACT", max_items=1).collect()
    queries = {path: query for _, path, query, _ in server.counters.request_log}
    assert (
        queries["charger/"]["status"] == "AVAILABLE" and queries["charger/"]["current_type"] == "DC"
    )
    assert queries["charger-port/"]["status__in"] == "CHARGING"
    assert queries["charger-port/"]["charger__payment_type"] == "Paid"
    assert queries["user/"]["role"] == "driver" and queries["user/"]["status"] == "act"
