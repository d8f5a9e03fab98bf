"""Errors: one tree (``EpicError``), caller mistakes raised before any request, the key never shown."""

from __future__ import annotations

import asyncio

from _target import api_target

from epic_async import (
    APIStatusError,
    AuthenticationError,
    EpicClient,
    EpicConnectionError,
    EpicError,
    NotFoundError,
)


async def main() -> None:
    async with api_target(chargers=20) as target, EpicClient(**target) as client:
        try:
            await client.chargers.get("00000000-0000-0000-0000-000000000000")
        except NotFoundError as exc:
            print("not found:", exc.status, exc)

        try:
            client.chargers.list(status="SLEEPING")  # a typo: no request is sent
        except ValueError as exc:
            print("bad argument:", exc)

        async with EpicClient(**{**target, "api_key": "wrong-key"}) as stranger:
            try:
                await stranger.chargers.list().collect()
            except AuthenticationError as exc:
                print("auth:", exc, "| the key is not in the message:", "wrong-key" not in str(exc))

        try:
            await client.chargers.get("not a real id")
        except APIStatusError as exc:  # any HTTP error status, with .status/.body/.request_id
            print("status error:", exc.status)
        except EpicConnectionError as exc:  # could not reach the API, after retries
            print("connection:", exc)
        except EpicError as exc:  # anything else the SDK raises
            print("other:", exc)


if __name__ == "__main__":
    asyncio.run(main())
