"""A sync job (cron, Django command, notebook): the same SDK, blocking, with the same speed.

``SyncEpicClient`` runs the async client on a private event loop in a daemon thread, so pages are
still fetched concurrently while this loop consumes them, and one client can be shared by threads.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from _target import sync_api_target

from epic_async import RateLimit, SyncEpicClient


def main() -> None:
    with (
        sync_api_target(chargers=400) as target,
        SyncEpicClient(rate_limit=RateLimit(rate=50, burst=10), **target) as client,
    ):
        charging = 0
        for port in client.charger_ports.list(status__in=["CHARGING", "PREPARING"]):
            charging += port.status.key == "CHARGING"
        print("ports charging:", charging)

        ids = [c.id for c in client.chargers.list(max_items=40).collect()]
        # One client, many threads: one connection pool and one rate limit for all of them.
        with ThreadPoolExecutor(max_workers=8) as pool:
            details = list(pool.map(client.chargers.get, ids))
        print("details fetched from 8 threads:", len(details))
        print("requests:", client.metrics.requests, "429s:", client.metrics.throttled)


if __name__ == "__main__":
    main()
