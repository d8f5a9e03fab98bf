"""All-or-nothing bulk creates (``POST chargers``, ``locations``, ``users``) and the shapes DRF and
the proxies in front of it give their errors: per-item errors as a list or a dict keyed by index,
the several answers to a batch over the server's maximum (see ``Variant``), and a whole-batch 400
that names no row.

The last one is what a view that looks a foreign key up itself answers
(``Location.objects.get(pk=row["location"])`` and a handler turning ``DoesNotExist`` into a 400):
a charger or user row whose ``location`` names no location the store holds refuses its whole
batch with ``{"detail": "Location matching query does not exist."}``, after the per-item checks
passed. The SDK has to find the row at fault itself.

The simulated per-item work (``bulk_item_delay``, per created row) is waited *after* the batch was
checked, created and rendered, with nothing of the parsed batch still referenced: the server
process is single-threaded, so doing its CPU work before the wait lets the wait of one batch
overlap the work of the next, as a server with several workers would, and leaves the garbage
collector no request data to carry into its older generations.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Container
from typing import Any

import orjson
from aiohttp import web

from ._app import SIM, SimState, invalid, json_response
from ._rules import NON_FIELD_ERRORS, indexed_errors, unknown_location
from ._store import Record
from ._variant import Oversize

__all__ = ["bulk_create", "oversize_answer"]

# What nginx answers when client_max_body_size is exceeded: the request never reaches DRF.
PROXY_413 = (
    "<html>\r\n<head><title>413 Request Entity Too Large</title></head>\r\n<body>\r\n"
    "<center><h1>413 Request Entity Too Large</h1></center>\r\n<hr><center>nginx</center>\r\n"
    "</body>\r\n</html>\r\n"
)


class _Taken:
    """Keys the store holds plus keys earlier in this batch, without copying the store's set."""

    def __init__(self, store: set[str]) -> None:
        self.store = store
        self.batch: set[str] = set()

    def __contains__(self, key: object) -> bool:
        return key in self.store or key in self.batch


def oversize_answer(sim: SimState, wrapper: str) -> web.Response:
    """The answer to a batch of more than ``max_batch`` items, in the variant's shape."""
    shape: Oversize | None = sim.knobs.variant.oversize
    if shape is None:  # the oversize_status knob decides, as it always has
        shape = "413_json" if sim.knobs.oversize_status == 413 else "key_list"
    if shape == "413_json":
        return json_response({"detail": "Request entity too large."}, 413)
    if shape == "413_html":
        return web.Response(text=PROXY_413, status=413, content_type="text/html")
    if shape == "413_empty":
        return web.Response(status=413)
    message = [f"Ensure this field has no more than {sim.knobs.max_batch} elements."]
    # NON_FIELD_ERRORS is renamed to the variant's key by the error middleware, like every 400.
    if shape == "top_list":
        raise invalid({NON_FIELD_ERRORS: message})
    if shape == "key_non_field":  # DRF's ListSerializer(max_length=N) inside a parent serializer
        raise invalid({wrapper: {NON_FIELD_ERRORS: message}})
    raise invalid({wrapper: message})


async def bulk_create(
    request: web.Request,
    wrapper: str,
    check: Callable[[Any, Container[str]], dict[str, Any]],
    key: Callable[[Any], Any],
    taken: set[str],
    create: Callable[[Record], Record],
    render: Callable[[Record], Any],
    status: int,
) -> web.Response:
    """All-or-nothing bulk create: any item error → 400 with one error dict per item; an unknown
    ``location`` → 400 for the whole batch, naming no row."""
    sim: SimState = request.app[SIM]
    content = await request.read()
    answer, items = _create_all(sim, content, wrapper, check, key, taken, create, render, status)
    if sim.knobs.bulk_item_delay:
        # The batch's parsed rows are garbage already: only the answer's bytes wait here, so
        # the collector has nothing of this request to promote while it waits.
        await asyncio.sleep(sim.knobs.bulk_item_delay * items)
    return answer


def _create_all(
    sim: SimState,
    content: bytes,
    wrapper: str,
    check: Callable[[Any, Container[str]], dict[str, Any]],
    key: Callable[[Any], Any],
    taken: set[str],
    create: Callable[[Record], Record],
    render: Callable[[Record], Any],
    status: int,
) -> tuple[web.Response, int]:
    """Check, create and render one batch (no await: all or nothing); the answer and the number
    of rows it created."""
    try:
        body = orjson.loads(content)
    except orjson.JSONDecodeError:
        raise invalid({NON_FIELD_ERRORS: ["JSON parse error."]}) from None
    items = body.get(wrapper) if isinstance(body, dict) else None
    if not isinstance(items, list):
        raise invalid({wrapper: ["This field is required."]})
    if not items:
        raise invalid({wrapper: ["This list may not be empty."]})
    if len(items) > sim.knobs.max_batch:
        return oversize_answer(sim, wrapper), 0
    errors = []
    seen = _Taken(taken)
    for item in items:
        found = check(item, seen)
        errors.append(found)
        if not found:
            seen.batch.add(key(item))
    if any(errors):
        dict_form = sim.knobs.variant.per_item_errors == "dict"
        raise invalid({wrapper: indexed_errors(errors) if dict_form else errors})
    # On a location, ``location`` is its [lat, lng]; on chargers and users, a location's id.
    refusal = None if wrapper == "locations" else unknown_location(items, sim.store.locations)
    if refusal is not None:
        return json_response(refusal, 400), 0
    created = [create(item) for item in items]
    with sim.lock:
        sim.counters.created_ids.extend(r.get("id") or r["uuid"] for r in created)
    return json_response({wrapper: [render(r) for r in created]}, status), len(created)
