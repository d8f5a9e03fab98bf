"""The resource command groups: ``chargers``, ``ports``, ``locations``, ``users`` and their filters."""

from __future__ import annotations

import argparse
from typing import Any

from .._client import EpicClient
from .._pagination import Pager
from ._export import add_get_command, add_list_command, paging
from ._import import add_import_command
from ._ports import add_port_actions

__all__ = ["add_resource_parsers"]


def add_resource_parsers(commands: Any, parents: list[argparse.ArgumentParser]) -> None:
    """``parents`` carry the connection options; ``parents[-1]`` is ``--format``/``--output``."""
    connection = parents[:-1]

    chargers = commands.add_parser("chargers", help="list, get or import chargers")
    sub = chargers.add_subparsers(dest="action", required=True, metavar="ACTION")
    add_list_command(sub, parents, "chargers", _list_chargers, _charger_filters)
    add_get_command(sub, parents, "chargers", _get_chargers, "charger-details")
    add_import_command(sub, connection, "chargers")

    ports = commands.add_parser("ports", help="list ports, change them, start or stop sessions")
    sub = ports.add_subparsers(dest="action", required=True, metavar="ACTION")
    add_list_command(sub, parents, "ports", _list_ports, _port_filters)
    add_port_actions(sub, parents)

    locations = commands.add_parser("locations", help="list, get or import locations")
    sub = locations.add_subparsers(dest="action", required=True, metavar="ACTION")
    add_list_command(sub, parents, "locations", _list_locations, _search_filter)
    add_get_command(sub, parents, "locations", _get_locations, "locations")
    add_import_command(sub, connection, "locations")

    users = commands.add_parser("users", help="list, get or import users")
    sub = users.add_subparsers(dest="action", required=True, metavar="ACTION")
    add_list_command(sub, parents, "users", _list_users, _user_filters)
    add_get_command(sub, parents, "users", _get_users, "users")
    add_import_command(sub, connection, "users")


def _charger_filters(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--status", help="e.g. AVAILABLE, CHARGING, FAULTED")
    parser.add_argument("--current-type", choices=("AC", "DC", "NACS"))
    parser.add_argument("--number-phases", type=int, choices=(1, 3))
    parser.add_argument("--location", metavar="ID", help="chargers at this location id")
    parser.add_argument("--created-at", metavar="YYYY-MM-DD", help="created that day")


def _list_chargers(client: EpicClient, args: argparse.Namespace) -> Pager[Any]:
    return client.chargers.list(
        status=args.status,
        current_type=args.current_type,
        number_phases=args.number_phases,
        location=args.location,
        created_at=args.created_at,
        **paging(args),
    )


async def _get_chargers(client: EpicClient, ids: list[str]) -> list[Any]:
    return list(await client.chargers.get_many(ids))


async def _get_locations(client: EpicClient, ids: list[str]) -> list[Any]:
    return list(await client.locations.get_many(ids))


async def _get_users(client: EpicClient, ids: list[str]) -> list[Any]:
    return list(await client.users.get_many(ids))


def _port_filters(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--charger", metavar="ID", help="ports of this charger id")
    parser.add_argument(
        "--status", action="append", metavar="STATUS", help="repeatable, e.g. CHARGING"
    )
    parser.add_argument("--location", action="append", metavar="ID", help="repeatable")
    parser.add_argument("--payment-type", choices=("Paid", "Free"))
    parser.add_argument("--ordering", help="e.g. -max_power")
    parser.add_argument("--search")


def _list_ports(client: EpicClient, args: argparse.Namespace) -> Pager[Any]:
    return client.charger_ports.list(
        charger=args.charger,
        status__in=args.status,
        location__in=args.location,
        charger__payment_type=args.payment_type,
        ordering=args.ordering,
        search=args.search,
        **paging(args),
    )


def _search_filter(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--custom-id")
    parser.add_argument("--search")


def _list_locations(client: EpicClient, args: argparse.Namespace) -> Pager[Any]:
    return client.locations.list(custom_id=args.custom_id, search=args.search, **paging(args))


def _user_filters(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--email")
    parser.add_argument("--role", help="driver, admin, partner, tenant_owner")
    parser.add_argument("--status", help="add, inv, act, deact")
    parser.add_argument("--search")


def _list_users(client: EpicClient, args: argparse.Namespace) -> Pager[Any]:
    return client.users.list(
        email=args.email, role=args.role, status=args.status, search=args.search, **paging(args)
    )
