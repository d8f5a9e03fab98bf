"""What every resource manager shares: URL building, JSON decoding, get, get_many and list."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Hashable, Iterable, Mapping
from typing import Any, ClassVar, TypeVar
from urllib.parse import quote

from .._codec import loads
from .._errors import NotFoundError, ResponseValidationError
from .._pagination import PageData, Pager, check_pager_args
from .._params import id_param
from .._reads import Reader
from .._tracing import current_call
from .._transport import Response, Transport

__all__ = ["Resource", "decode_json"]

T = TypeVar("T")


def decode_json(response: Response) -> Any:
    """Parse a 2xx body as JSON; an empty or non-JSON body is a typed ``ResponseValidationError``."""
    if not response.content:
        raise ResponseValidationError(
            f"expected a JSON body from {response.url}, got an empty {response.status} answer",
            messages=["$: empty body"],
        )
    try:
        return loads(response.content)
    except ValueError as exc:  # orjson.JSONDecodeError
        preview = response.content[:120].decode("utf-8", errors="replace")
        raise ResponseValidationError(
            f"expected JSON from {response.url}, got {preview!r}",
            messages=[f"$: not JSON ({exc})"],
            body=response.content.decode("utf-8", errors="replace"),
        ) from exc


def page_parser(reader: Reader, item_cls: type[T]) -> Callable[[bytes, int | None], PageData[T]]:
    """Bytes of a list page → structured :class:`PageData` (runs inside the pager's fetch tasks);
    the page's offset, when known, lets an unreadable record be named by its position."""

    def parse(content: bytes, offset: int | None) -> PageData[T]:
        data = decode_json(Response(200, content, "list page"))
        page = reader.structure_page(data, item_cls, offset=offset)
        return PageData(page.count, page.next, page.results)

    return parse


class Resource:
    """Base of the resource managers: holds the transport, builds URLs from the path table."""

    #: The resource as spans name it (``epic_async chargers.get``): the client's attribute for it.
    _trace_name: ClassVar[str]

    def __init__(self, transport: Transport) -> None:
        self._transport = transport

    def _url(self, endpoint: str, object_id: str | None = None) -> str:
        path = self._transport.shared.config.paths[endpoint]
        if object_id is not None:
            path = path.replace("{id}", quote(object_id, safe=""))
        return self._transport.url_for(path)

    async def _get(self, endpoint: str, id_name: str, object_id: object, cls: type[T]) -> T:
        url = self._url(endpoint, id_param(id_name, object_id))
        response = await self._transport.request("GET", url, call=current_call())
        return self._transport.shared.reader.structure(decode_json(response), cls)

    async def _send(
        self, method: str, endpoint: str, object_id: str | None, body: bytes, cls: type[T]
    ) -> T:
        url = self._url(endpoint, object_id)
        response = await self._transport.request(method, url, body=body, call=current_call())
        return self._transport.shared.reader.structure(decode_json(response), cls)

    async def _get_many(
        self,
        endpoint: str,
        id_name: str,
        ids: Iterable[object],
        cls: type[T],
        concurrency: int,
    ) -> list[T | None]:
        check_pager_args(1, concurrency, None)
        checked = [id_param(id_name, i) for i in ids]  # every id checked before any request
        semaphore = asyncio.Semaphore(concurrency)

        async def one(object_id: str) -> T | None:
            async with semaphore:
                try:
                    return await self._get(endpoint, id_name, object_id, cls)
                except NotFoundError:
                    return None

        # TaskGroup: the first non-404 error cancels the rest and propagates as itself.
        try:
            async with asyncio.TaskGroup() as group:
                tasks = [group.create_task(one(i)) for i in checked]
        except BaseExceptionGroup as group_error:
            raise group_error.exceptions[0] from None
        return [t.result() for t in tasks]

    def _list(
        self,
        endpoint: str,
        params: Mapping[str, str],
        cls: type[T],
        key: Callable[[T], Hashable],
        *,
        page_size: int,
        concurrency: int,
        max_items: int | None,
        ordered: bool,
    ) -> Pager[T]:
        return Pager(
            transport=self._transport,
            url=self._url(endpoint),
            params=params,
            parse=page_parser(self._transport.shared.reader, cls),
            key=key,
            page_size=page_size,
            concurrency=concurrency,
            max_items=max_items,
            ordered=ordered,
        )
