"""A deterministic fleet: the same ``count`` and ``seed`` always give the same rows and ids."""

from __future__ import annotations

import random
import uuid
from datetime import UTC, datetime, timedelta

from .models import (
    AC_CONNECTORS,
    DC_CONNECTORS,
    Charger,
    ChargerStatus,
    Location,
    PaymentType,
    Port,
    PortStatus,
)

__all__ = ["SEED_EPOCH", "seed_fleet"]

#: Seeded chargers are created one minute apart from here: API-created ones come after them.
SEED_EPOCH = datetime(2024, 1, 1, tzinfo=UTC)

_AC = sorted(AC_CONNECTORS)
_DC = sorted(DC_CONNECTORS)


def _uuid(rng: random.Random) -> uuid.UUID:
    return uuid.UUID(int=rng.getrandbits(128), version=4)


def seed_fleet(count: int, seed: int = 0) -> list[uuid.UUID]:
    """Insert ``count`` chargers (about a third DC) with 1-3 ports and 3 locations; return the
    charger ids in listing order."""
    rng = random.Random(seed)
    locations = [Location(id=_uuid(rng), name=f"Site {n}") for n in range(3)]
    Location.objects.bulk_create(locations)
    chargers: list[Charger] = []
    ports: list[Port] = []
    for i in range(count):
        dc = i % 3 == 2
        charger = Charger(
            id=_uuid(rng),
            charger_point_id=f"SEED-{i:05d}",
            custom_id=f"Seeded {i}" if i % 4 else None,
            status=rng.choice(ChargerStatus.values),
            manufacturer=rng.choice(("epic_ocpp", "generic_ocpp")),
            model=rng.choice(("epic_home", "epic_pro", "epic_fleet")),
            rfid_required=i % 5 == 0,
            id_tag_required=i % 7 == 0,
            payment_type=PaymentType.FREE if i % 4 == 0 else PaymentType.PAID,
            number_phases=3 if dc or i % 2 else 1,
            current_type="DC" if dc else "AC",
            temperature=round(rng.uniform(5, 40), 1),
            location=locations[i % 4] if i % 4 < 3 else None,
            created_at=SEED_EPOCH + timedelta(minutes=i),
        )
        chargers.append(charger)
        for connector_id in range(1, rng.randint(1, 3) + 1):
            port = Port(
                id=_uuid(rng),
                charger=charger,
                connector_id=connector_id,
                status=rng.choice(PortStatus.values),
            )
            if dc:
                port.connector_type = rng.choice(_DC)
                port.max_power = port.power = float(rng.choice((50, 150, 350)))
            else:
                port.connector_type = rng.choice(_AC)
                amps = rng.choice((16, 32))
                port.max_current = port.current = amps
                port.max_power = port.power = round(amps * 230 / 1000, 1)
            ports.append(port)
    Charger.objects.bulk_create(chargers)
    Port.objects.bulk_create(ports)
    return [c.id for c in chargers]
