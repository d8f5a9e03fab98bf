"""``client.users``: list, get, get_many and create_many."""

from __future__ import annotations

import builtins
from collections.abc import AsyncIterable, Callable, Iterable, Mapping
from typing import Any

from .._bulk import BulkSpec, ProgressCallback, run_bulk_create
from .._bulk_result import BulkResult
from .._pagination import Pager
from .._params import enum_param, str_param
from .._rowcheck import UnknownFields
from .._tracing import traced, traced_listing
from .._validation import user_key, user_rules
from ..models import User, UserCreate, UserRole, UserStatus
from ._base import Resource

__all__ = ["Users"]


class Users(Resource):
    """Users with access to the network (docs/api-contract.md §6). Users are identified by ``uuid``.

    Bulk create is DOC (it answers 200, not 201); ``user/`` and ``user/{uuid}/`` are INFERRED from
    the vendor's prose (override them with ``paths=``).
    """

    _trace_name = "users"

    @traced_listing
    def list(
        self,
        *,
        email: str | None = None,
        role: UserRole | str | None = None,
        status: UserStatus | str | None = None,
        search: str | None = None,
        page_size: int = 100,
        concurrency: int = 8,
        max_items: int | None = None,
        ordered: bool = True,
    ) -> Pager[User]:
        """List users (INFERRED path and filters: ``email``, ``role``, ``status``, ``search``).

        >>> drivers = await client.users.list(role="driver").collect()
        >>> {user.role for user in drivers}
        {<UserRole.DRIVER: 'driver'>}
        """
        params: dict[str, str] = {}
        if email is not None:
            params["email"] = str_param("email", email)
        if role is not None:
            params["role"] = enum_param("role", role, UserRole)
        if status is not None:
            params["status"] = enum_param("status", status, UserStatus)
        if search is not None:
            params["search"] = str_param("search", search)
        return self._list(
            "users.list",
            params,
            User,
            _user_uuid,
            page_size=page_size,
            concurrency=concurrency,
            max_items=max_items,
            ordered=ordered,
        )

    @traced
    async def get(self, user_uuid: str) -> User:
        """One user with id tags and accessible chargers (INFERRED path)."""
        return await self._get("users.get", "user_uuid", user_uuid, User)

    @traced
    async def get_many(
        self, user_uuids: Iterable[str], *, concurrency: int = 8
    ) -> builtins.list[User | None]:
        """Many users concurrently, in input order; ``None`` where a uuid does not exist."""
        return await self._get_many("users.get", "user_uuids", user_uuids, User, concurrency)

    @traced
    async def create_many(
        self,
        items: Iterable[UserCreate | Mapping[str, Any]]
        | AsyncIterable[UserCreate | Mapping[str, Any]],
        *,
        batch_size: int = 100,
        concurrency: int = 4,
        on_progress: ProgressCallback | None = None,
        reconcile: bool = False,
        on_created: Callable[[int, User], object] | None = None,
        unknown_fields: UnknownFields = "error",
    ) -> BulkResult[User]:
        """Create many users in concurrent all-or-nothing batches, accounting for every row.

        Works like ``client.chargers.create_many``: every row checked first (every problem at
        once; unknown keys per ``unknown_fields``: ``"error"``, ``"drop"`` or ``"send"``),
        per-item rejections resent without the bad rows, "too many" splitting (the cap kept for
        the client), batches refused whole narrowed down to the rows at fault, lost answers
        reported as ``unknown`` or reconciled, ``on_created`` to stream created objects instead of
        keeping them, progress that only moves forward. The API answers 200 (not 201) to this POST; the unique key is ``email`` (case-insensitive).

        >>> rows = [{"email": "ana.lima@example.com", "first_name": "Ana", "last_name": "Lima",
        ...          "role": "driver", "driver": {"driver_license": "DL-4471"}, "id_tags": ["TAG-4471"]}]
        >>> result = await client.users.create_many(rows)
        >>> result
        BulkResult(total=1, created=1, failed=0, unknown=0)
        """
        spec = BulkSpec(
            url=self._url("users.create"),
            wrapper="users",
            create_cls=UserCreate,
            result_cls=User,
            rules=user_rules,
            key=user_key,
            key_name="email",
        )
        return await run_bulk_create(
            self._transport,
            spec,
            items,
            batch_size=batch_size,
            concurrency=concurrency,
            on_progress=on_progress,
            on_created=on_created,
            reconcile=reconcile,
            lookup=self._find_by_email,
            unknown_fields=unknown_fields,
        )

    async def _find_by_email(self, keys: set[str]) -> dict[str, User]:
        """Users the server holds for these keys (a full listing, matched client-side)."""
        return {key: user async for user in self.list() if (key := user.email.lower()) in keys}


def _user_uuid(user: User) -> str:
    return user.uuid
