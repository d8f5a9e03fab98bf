"""``ports update|start|stop|reserve|cancel-reservation``: change one port, or act on it remotely."""

from __future__ import annotations

import argparse
import sys
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

from ..models import ActionResult, ChargerPort
from ._common import make_client, write_records
from ._export import COLUMNS

__all__ = ["add_port_actions"]

_UPDATE_FIELDS = ("charging_speed", "max_power", "power", "max_current", "current")


def add_port_actions(commands: Any, parents: list[argparse.ArgumentParser]) -> None:
    update = commands.add_parser("update", parents=parents, help="change a port's settings")
    update.add_argument("port_id", metavar="PORT_ID")
    for name in _UPDATE_FIELDS:
        update.add_argument(f"--{name.replace('_', '-')}", type=float, default=None)
    update.add_argument("--custom-id", default=None)
    update.add_argument("--parking-lot", default=None)
    update.set_defaults(handler=_update)

    start = commands.add_parser("start", parents=parents, help="remote-start a charging session")
    start.add_argument("port_id", metavar="PORT_ID")
    start.add_argument("--id-tag", default=None, help="the RFID / id tag to charge for")
    start.set_defaults(handler=_action("start"))

    stop = commands.add_parser("stop", parents=parents, help="remote-stop the session")
    stop.add_argument("port_id", metavar="PORT_ID")
    stop.set_defaults(handler=_action("stop"))

    reserve = commands.add_parser("reserve", parents=parents, help="reserve a port for an id tag")
    reserve.add_argument("port_id", metavar="PORT_ID")
    reserve.add_argument("--id-tag", required=True)
    reserve.add_argument("--minutes", type=float, default=60.0, help="how long (default 60)")
    reserve.set_defaults(handler=_action("reserve"))

    cancel = commands.add_parser(
        "cancel-reservation", parents=parents, help="cancel the port's reservation"
    )
    cancel.add_argument("port_id", metavar="PORT_ID")
    cancel.set_defaults(handler=_action("cancel_reservation"))


async def _update(args: argparse.Namespace) -> int:
    fields: dict[str, Any] = {
        name: getattr(args, name) for name in _UPDATE_FIELDS if getattr(args, name) is not None
    }
    for name in ("custom_id", "parking_lot"):
        if getattr(args, name) is not None:
            fields[name] = getattr(args, name)
    if not fields:
        raise ValueError("ports update needs at least one field, e.g. --charging-speed 7.4")
    async with make_client(args) as client:
        port = await client.charger_ports.update(args.port_id, **fields)

    async def one() -> AsyncIterator[ChargerPort]:
        yield port

    await write_records(one(), fmt=args.format, output=args.output, columns=COLUMNS["ports"])
    return 0


def _action(name: str) -> Any:
    async def run(args: argparse.Namespace) -> int:
        options: dict[str, Any] = {}
        if getattr(args, "id_tag", None) is not None:
            options["id_tag"] = args.id_tag
        if name == "reserve":
            if args.minutes <= 0:
                raise ValueError(f"--minutes must be > 0, got {args.minutes}")
            options["expiry_date"] = datetime.now(UTC) + timedelta(minutes=args.minutes)
        async with make_client(args) as client:
            result: ActionResult = await getattr(client.charger_ports, name)(
                args.port_id, **options
            )
        status = getattr(result.status, "value", result.status)
        print(f"{name.replace('_', ' ')} {args.port_id}: {status}")
        if not result.accepted:
            print(f"epic-async: the charger answered {status}", file=sys.stderr)
            return 1
        return 0

    return run
