"""Every resource method against the simulator over loopback: filters reach the server as
documented, results are typed models."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from epic_async import BadRequestError, EpicClient, NotFoundError
from epic_async.models import (
    ActionStatus,
    ChargerDetail,
    ChargerPort,
    ChargingSessionRow,
    FaultRow,
    Location,
    PaymentType,
    PortStatus,
    TransactionRow,
    User,
    UserRole,
)
from epic_async.resources.charger_ports import UNSET
from epic_async.testing import FakeEpicServer


def last_query(server: FakeEpicServer) -> dict[str, str]:
    return server.counters.request_log[-1][2]


def port_with_status(server: FakeEpicServer, status: str) -> str:
    return str(next(p["id"] for p in server.store.ports.values() if p["status"] == status))


async def test_charger_get_and_get_many_in_input_order(
    server: FakeEpicServer, client: EpicClient
) -> None:
    ids = list(server.store.chargers)[:5]
    detail = await client.chargers.get(ids[0])
    assert isinstance(detail, ChargerDetail) and detail.id == ids[0]
    assert detail.payment_type in (PaymentType.PAID, PaymentType.FREE)
    assert all(p.connector_type is not None for p in detail.ports)
    missing = "00000000-0000-4000-8000-000000000000"
    found = await client.chargers.get_many([ids[3], missing, ids[1]])
    assert [d.id if d else None for d in found] == [ids[3], None, ids[1]]
    with pytest.raises(NotFoundError):
        await client.chargers.get(missing)
    with pytest.raises(ValueError, match="charger_id"):
        await client.chargers.get("  ")


async def test_port_filters_reach_the_server(server: FakeEpicServer, client: EpicClient) -> None:
    charger_id = next(iter(server.store.chargers))
    ports = await client.charger_ports.list(charger=charger_id).collect()
    assert ports and all(isinstance(p, ChargerPort) and p.charger == charger_id for p in ports)
    assert last_query(server) == {"charger": charger_id, "limit": "100", "offset": "0"}

    charging = await client.charger_ports.list(
        status__in=[PortStatus.CHARGING, "PREPARING"], charger__payment_type="PAID"
    ).collect()
    query = last_query(server)
    assert query["status__in"] == "CHARGING,PREPARING"
    assert (
        query["charger__payment_type"] == "Paid"
    )  # title case on this filter (docs/api-contract.md §7.1)
    assert charging and {p.status.key for p in charging} <= {"CHARGING", "PREPARING"}

    location_ids = list(server.store.locations)[:2]
    await client.charger_ports.list(location__in=location_ids, ordering="-max_power").collect()
    assert last_query(server)["location__in"] == ",".join(location_ids)
    ordered = await client.charger_ports.list(ordering="-max_power").collect()
    powers = [p.max_power or 0 for p in ordered]
    assert powers == sorted(powers, reverse=True)

    point_id = server.store.chargers[charger_id]["charger_point_id"]
    found = await client.charger_ports.list(search=point_id).collect()
    assert {p.charger_point_id for p in found} == {point_id}


async def test_port_filter_mistakes_fail_before_any_request(
    server: FakeEpicServer, client: EpicClient
) -> None:
    with pytest.raises(ValueError, match=r"status__in.*SLEEPING"):
        client.charger_ports.list(status__in=["SLEEPING"])
    with pytest.raises(TypeError, match="status__in takes a list"):
        client.charger_ports.list(status__in="CHARGING")
    with pytest.raises(ValueError, match="ordering='speed'"):
        client.charger_ports.list(ordering="speed")
    with pytest.raises(ValueError, match="page_size"):
        client.charger_ports.list(page_size=-1)
    assert server.counters.requests == 0


async def test_port_get_and_update_send_only_what_was_passed(
    server: FakeEpicServer, client: EpicClient
) -> None:
    port_id = next(iter(server.store.ports))
    before = await client.charger_ports.get(port_id)
    updated = await client.charger_ports.update(port_id, charging_speed=7.4, parking_lot=None)
    assert updated.charging_speed == 7.4 and updated.parking_lot is None
    assert updated.max_power == before.max_power  # not passed, so not sent
    with pytest.raises(ValueError, match="at least one field"):
        await client.charger_ports.update(port_id)
    assert repr(UNSET) == "UNSET"


async def test_port_actions_follow_ocpp_outcomes(
    server: FakeEpicServer, client: EpicClient
) -> None:
    port_id = port_with_status(server, "AVAILABLE")
    when = datetime.now(UTC) + timedelta(hours=1)
    reserved = await client.charger_ports.reserve(port_id, id_tag="TAG1", expiry_date=when)
    assert reserved.status is ActionStatus.ACCEPTED and reserved.accepted
    assert (await client.charger_ports.get(port_id)).status.key is PortStatus.RESERVED
    assert (await client.charger_ports.start(port_id, id_tag="OTHER")).status == "Rejected"
    assert (await client.charger_ports.cancel_reservation(port_id)).accepted
    assert (await client.charger_ports.start(port_id, id_tag="TAG1")).accepted
    assert (await client.charger_ports.reserve(port_id, id_tag="T", expiry_date=when)).status == (
        ActionStatus.OCCUPIED
    )
    assert (await client.charger_ports.stop(port_id)).accepted
    assert not (await client.charger_ports.stop(port_id)).accepted  # nothing to stop

    faulted = port_with_status(server, "FAULTED")
    assert (await client.charger_ports.start(faulted)).status is ActionStatus.FAULTED
    with pytest.raises(NotFoundError):
        await client.charger_ports.start("00000000-0000-4000-8000-000000000000")
    with pytest.raises(TypeError, match="expiry_date"):
        await client.charger_ports.reserve(port_id, id_tag="T", expiry_date="tomorrow")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="timezone-aware"):
        await client.charger_ports.reserve(port_id, id_tag="T", expiry_date=datetime(2030, 1, 1))


async def test_locations_list_get_and_filters(server: FakeEpicServer, client: EpicClient) -> None:
    locations = await client.locations.list(page_size=3).collect()
    assert len(locations) == len(server.store.locations)
    assert all(isinstance(loc, Location) for loc in locations)
    first = locations[0]
    assert first.location is not None and -90 <= first.location[0] <= 90  # latitude first
    assert (await client.locations.get(first.id)).custom_id == first.custom_id
    found = await client.locations.list(custom_id=first.custom_id).collect()
    assert [loc.id for loc in found] == [first.id]
    assert last_query(server)["custom_id"] == first.custom_id


async def test_users_list_get_and_filters(server: FakeEpicServer, client: EpicClient) -> None:
    drivers = await client.users.list(role="driver").collect()
    assert drivers and all(isinstance(u, User) and u.role is UserRole.DRIVER for u in drivers)
    assert last_query(server)["role"] == "driver"
    user = await client.users.get(drivers[0].uuid)
    assert user.email == drivers[0].email and user.driver is not None
    by_email = await client.users.list(email=user.email).collect()
    assert [u.uuid for u in by_email] == [user.uuid]
    with pytest.raises(ValueError, match="role='owner'"):
        client.users.list(role="owner")


async def test_reports_filter_by_dates_chargers_and_locations(
    server: FakeEpicServer, client: EpicClient
) -> None:
    today = date.today()
    week_ago = today - timedelta(days=7)
    sessions = await client.reports.charging_sessions(start_date=week_ago, end_date=today).collect()
    assert sessions and all(isinstance(s, ChargingSessionRow) for s in sessions)
    assert all(s.started_at and week_ago <= s.started_at.date() <= today for s in sessions)
    assert last_query(server)["start_date"] == week_ago.isoformat()

    charger_id = sessions[0].charger_id
    own = await client.reports.charging_sessions(charger=charger_id).collect()
    assert own and {s.charger_id for s in own} == {charger_id}

    location_id = next(iter(server.store.locations))
    status_rows = await client.reports.charger_status(location__in=[location_id]).collect()
    assert last_query(server)["location__in"] == location_id
    expected = [c for c in server.store.chargers.values() if c["location_id"] == location_id]
    assert len(status_rows) == len(expected)

    charger_rows = await client.reports.chargers().collect()
    assert len(charger_rows) == len(server.store.chargers)
    assert sum(r.sessions_count for r in charger_rows) == len(server.store.sessions)
    faults = await client.reports.faults(start_date=datetime(2000, 1, 1, tzinfo=UTC)).collect()
    assert len(faults) == len(server.store.faults) and isinstance(faults[0], FaultRow)
    transactions = await client.reports.transactions().collect()
    assert transactions and isinstance(transactions[0], TransactionRow)
    with pytest.raises(ValueError, match="start_date"):
        client.reports.faults(start_date=today, end_date=week_ago)


async def test_a_server_side_filter_error_is_a_bad_request(
    server: FakeEpicServer, client: EpicClient
) -> None:
    server.fail_next(400, path="charger/", body={"status": ["Select a valid choice."]})
    with pytest.raises(BadRequestError) as caught:
        await client.chargers.list().collect()
    assert caught.value.field_errors == {"status": ["Select a valid choice."]}
