"""``Variant``: the shapes DRF (and the proxies in front of it) give the same condition, over real
HTTP with a plain ``aiohttp.ClientSession``: per-item errors, oversize batches, the non-field
errors key, ``Retry-After`` forms, DRF's window throttle, page caps, and ``run_in_process()``."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from collections.abc import AsyncIterator
from email.utils import parsedate_to_datetime
from typing import Any

import aiohttp
import attrs
import orjson
import pytest

from epic_async.testing import VARIANTS, DrfWindow, FakeEpicServer, Variant
from epic_async.testing.__main__ import parse_options
from epic_async.testing._throttle import retry_after_value
from epic_async.testing._variant import RetryAfterForm, as_variant, parse_rate
from epic_async.testing.rows import charger_rows, location_rows


@pytest.fixture
async def fake() -> AsyncIterator[FakeEpicServer]:
    async with FakeEpicServer(chargers=20, seed=5, max_batch=2) as server:
        yield server


@pytest.fixture
async def http(fake: FakeEpicServer) -> AsyncIterator[aiohttp.ClientSession]:
    headers = {"Token-Authorization": fake.api_key}
    async with aiohttp.ClientSession(base_url=fake.base_url, headers=headers) as session:
        yield session


async def post(http: aiohttp.ClientSession, path: str, body: Any) -> tuple[int, str, bytes]:
    async with http.post(path, json=body) as resp:
        return resp.status, resp.content_type, await resp.read()


async def get(http: aiohttp.ClientSession, path: str) -> tuple[int, Any, str | None]:
    async with http.get(path) as resp:
        return resp.status, await resp.json(), resp.headers.get("Retry-After")


# --- the class and its presets ----------------------------------------------------------------


def test_variant_defaults_validation_json_and_presets() -> None:
    assert VARIANTS["documented"] == Variant() and not Variant().reshapes
    for name, variant in VARIANTS.items():
        assert Variant.from_json(json.loads(json.dumps(variant.to_json()))) == variant
        assert as_variant(name) == variant
    assert as_variant(None) == Variant() and as_variant({"drift_share": 0.5}).drift_share == 0.5
    forms = {"computed", "seconds", "http_date", "absent", "rotate"}
    assert {v.retry_after for v in VARIANTS.values()} == forms
    shapes = {"top_list", "key_non_field", "413_json", "413_html", "413_empty"}
    assert {v.oversize for v in VARIANTS.values()} >= shapes
    bad: list[dict[str, Any]] = [
        {"drift_share": 1.5},
        {"status_shape": "sideways"},
        {"per_item_errors": "tuple"},
        {"oversize": "418"},
        {"retry_after": "never"},
        {"throttle": "leaky"},
        {"throttle_rate": "lots"},
        {"throttle_rate": "0/s"},
        {"max_limit": 0},
        {"non_field_errors_key": ""},
    ]
    for fields in bad:
        with pytest.raises(ValueError):
            Variant(**fields)
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        Variant().drift_share = 1.0  # type: ignore[misc]
    with pytest.raises(ValueError, match="unknown variant"):
        FakeEpicServer(chargers=1, variant="nope")
    assert parse_rate("600/min") == (600, 60) and parse_rate("20/s") == (20, 1)
    assert parse_rate("3/hour") == (3, 3600) and parse_rate("1/d") == (1, 86400)


def test_the_command_line_passes_a_variant() -> None:
    assert parse_options(["--variant", "drifting"])["variant"] == "drifting"
    options = parse_options(["--variant", '{"drift_share": 0.2}'])
    assert options["variant"] == {"drift_share": 0.2}
    assert FakeEpicServer(chargers=1, **options).variant == Variant(drift_share=0.2)


# --- per-item errors, the non-field key, oversize batches -------------------------------------


async def test_per_item_errors_as_a_list_or_a_dict_by_index(
    fake: FakeEpicServer, http: aiohttp.ClientSession
) -> None:
    rows = list(charger_rows(2, prefix="ERR"))
    first = rows[1]["ports"][0]
    rows[1]["ports"] = [first, dict(first, connector_id=2, connector_type="TYPE_9")]
    message = ['"TYPE_9" is not a valid choice.']
    status, _, body = await post(http, "chargers", {"chargers": rows})
    assert status == 400
    assert orjson.loads(body) == {"chargers": [{}, {"ports": [{}, {"connector_type": message}]}]}
    fake.configure(variant=Variant(per_item_errors="dict"))
    status, _, body = await post(http, "chargers", {"chargers": rows})
    assert status == 400
    assert orjson.loads(body) == {"chargers": {"1": {"ports": {"1": {"connector_type": message}}}}}
    locations = list(location_rows(2))
    del locations[0]["formatted_address"]
    status, _, body = await post(http, "locations", {"locations": locations})
    required = {"formatted_address": ["This field is required."]}
    assert orjson.loads(body) == {"locations": {"0": required}}
    assert len(fake.store.chargers) == 20 and fake.counters.created_ids == []


async def test_the_non_field_errors_key_is_a_setting(
    fake: FakeEpicServer, http: aiohttp.ClientSession
) -> None:
    fake.configure(variant=Variant(non_field_errors_key="errors", per_item_errors="dict"))
    row = next(charger_rows(1, prefix="NF"))
    row["current_type"] = None  # neither AC nor DC: the port must give a matching pair
    row["ports"][0] = {"connector_id": 1, "connector_type": "NACS"}
    status, _, body = await post(http, "chargers", {"chargers": [row, "not a dict"]})
    assert status == 400
    errors = orjson.loads(body)["chargers"]
    assert set(errors) == {"0", "1"}
    assert errors["1"] == {"errors": ["Invalid data. Expected a dictionary."]}
    pair = "Give max_current and current, or max_power and power."
    assert errors["0"]["ports"]["0"] == {"errors": [pair]}
    async with http.post("chargers", data=b"{not json") as resp:
        assert resp.status == 400 and await resp.json() == {"errors": ["JSON parse error."]}
    assert "non_field_errors" not in body.decode()


TOO_MANY = ["Ensure this field has no more than 2 elements."]
JSON = "application/json"
OVERSIZE: dict[str, tuple[Variant, int, str, Any]] = {
    "top_list": (Variant(oversize="top_list"), 400, JSON, {"non_field_errors": TOO_MANY}),
    "key_list": (Variant(oversize="key_list"), 400, JSON, {"chargers": TOO_MANY}),
    "key_non_field": (
        Variant(oversize="key_non_field"),
        400,
        JSON,
        {"chargers": {"non_field_errors": TOO_MANY}},
    ),
    "key_non_field+key": (
        Variant(oversize="key_non_field", non_field_errors_key="__all__"),
        400,
        JSON,
        {"chargers": {"__all__": TOO_MANY}},
    ),
    "top_list+key": (
        Variant(oversize="top_list", non_field_errors_key="errors"),
        400,
        JSON,
        {"errors": TOO_MANY},
    ),
    "413_json": (Variant(oversize="413_json"), 413, JSON, {"detail": "Request entity too large."}),
    "413_html": (
        Variant(oversize="413_html"),
        413,
        "text/html",
        b"<h1>413 Request Entity Too Large",
    ),
    "413_empty": (Variant(oversize="413_empty"), 413, "application/octet-stream", b""),
}


@pytest.mark.parametrize(
    ("variant", "status", "content_type", "expected"), OVERSIZE.values(), ids=OVERSIZE
)
async def test_each_oversize_shape(
    fake: FakeEpicServer,
    http: aiohttp.ClientSession,
    variant: Variant,
    status: int,
    content_type: str,
    expected: Any,
) -> None:
    fake.configure(variant=variant)
    answer = await post(http, "chargers", {"chargers": list(charger_rows(3))})
    assert answer[:2] == (status, content_type)
    if isinstance(expected, bytes):
        assert expected in answer[2] if expected else answer[2] == b""
    else:
        assert orjson.loads(answer[2]) == expected
    assert fake.counters.created_ids == []


async def test_the_oversize_status_knob_still_decides_without_a_variant_shape(
    fake: FakeEpicServer, http: aiohttp.ClientSession
) -> None:
    rows = {"chargers": list(charger_rows(3))}
    assert (await post(http, "chargers", rows))[0] == 400
    fake.configure(oversize_status=413)
    status, _, body = await post(http, "chargers", rows)
    assert status == 413 and orjson.loads(body) == {"detail": "Request entity too large."}
    fake.configure(variant=Variant(oversize="key_list"))  # the variant's shape wins
    assert (await post(http, "chargers", rows))[0] == 400


# --- Retry-After and throttles ----------------------------------------------------------------


def _date_wait(value: str | None, sent_at: float) -> float:
    assert value is not None and value.endswith(" GMT")
    return parsedate_to_datetime(value).timestamp() - sent_at


async def test_each_retry_after_form_on_injected_429s(
    fake: FakeEpicServer, http: aiohttp.ClientSession
) -> None:
    forms: dict[str, str | None] = {}
    all_forms: tuple[RetryAfterForm, ...] = ("computed", "seconds", "http_date", "absent")
    for form in all_forms:
        fake.configure(variant=Variant(retry_after=form))
        fake.fail_next(429, retry_after=2.5)
        sent_at = time.time()
        status, body, forms[form] = await get(http, "charger/")
        assert status == 429 and body == {"detail": "Request was throttled."}
        if form == "http_date":
            assert 1.5 <= _date_wait(forms[form], sent_at) <= 4.5  # 2.5 s, rounded up to a second
    assert forms["computed"] == "2.5" and forms["seconds"] == "3" and forms["absent"] is None
    fake.configure(variant=Variant(retry_after="rotate"))  # starts over at "seconds"
    rotated = []
    for _ in range(4):
        fake.fail_next(429, retry_after=1.0)
        rotated.append((await get(http, "charger/"))[2])
    assert rotated[0] == "1" and rotated[2] is None and rotated[3] == "1"
    assert _date_wait(rotated[1], time.time()) <= 2


def test_retry_after_values() -> None:
    assert retry_after_value("computed", 0.25) == "0.25"
    assert retry_after_value("seconds", 0.25) == "1" and retry_after_value("seconds", 3.0) == "3"
    assert retry_after_value("http_date", 2.0, now=0.0) == "Thu, 01 Jan 1970 00:00:02 GMT"
    assert retry_after_value("http_date", 0.2, now=10.5) == "Thu, 01 Jan 1970 00:00:11 GMT"
    assert retry_after_value("absent", 5.0) is None
    assert [retry_after_value("rotate", 2.0, turn=t, now=0.0) for t in range(4)] == [
        "2",
        "Thu, 01 Jan 1970 00:00:02 GMT",
        None,
        "2",
    ]


async def test_the_token_bucket_takes_the_form_and_the_variants_burst() -> None:
    variant = Variant(retry_after="seconds", burst=3)
    async with (
        FakeEpicServer(chargers=3, rate=0.5, burst=1, variant=variant) as fake,
        aiohttp.ClientSession(headers={"Token-Authorization": fake.api_key}) as session,
    ):
        answers = [await get(session, fake.base_url + "charger/") for _ in range(4)]
        assert [a[0] for a in answers] == [200, 200, 200, 429]  # the variant's burst of 3
        assert answers[3][2] == "2"  # whole seconds until the next token at 0.5/s
        fake.configure(variant=Variant(throttle_rate="1/min", burst=2))  # a fresh bucket
        statuses = [(await get(session, fake.base_url + "charger/"))[0] for _ in range(3)]
        assert statuses == [200, 200, 429]


def test_the_drf_window_counts_requests_in_any_window() -> None:
    now = [100.0]
    window = DrfWindow(3, 10, clock=lambda: now[0])
    for at in (100.0, 101.0, 102.0):
        now[0] = at
        assert window.take("k") == 0.0
    now[0] = 103.0
    assert window.take("k") == pytest.approx(7.0)  # the request at 100 leaves at 110
    assert window.take("other") == 0.0  # one history per key
    now[0] = 110.0
    assert window.take("k") == 0.0  # 100 left the window; 101, 102, 110 are in it
    assert window.take("k") == pytest.approx(1.0)
    now[0] = 112.5  # 101 and 102 have left: two more fit beside 110
    assert window.take("k") == 0.0 and window.take("k") == 0.0
    assert window.take("k") == pytest.approx(7.5)


async def test_the_drf_window_throttle_over_http() -> None:
    keys = {"first": {"read", "write"}, "second": {"read"}}
    variant = Variant(throttle="drf_window", throttle_rate="5/min")
    async with (
        FakeEpicServer(chargers=3, api_keys=keys, rate=1000, variant=variant) as fake,
        aiohttp.ClientSession() as session,
    ):

        async def call(key: str) -> tuple[int, Any, str | None]:
            async with session.get(
                fake.base_url + "charger/", headers={"Token-Authorization": key}
            ) as resp:
                return resp.status, await resp.json(), resp.headers.get("Retry-After")

        answers = [await call("first") for _ in range(7)]
        assert [a[0] for a in answers] == [200] * 5 + [429] * 2  # the rate knob does not apply
        _, body, retry_after = answers[5]
        assert retry_after is not None and 55 <= int(retry_after) <= 60
        detail = f"Request was throttled. Expected available in {retry_after} seconds."
        assert body == {"detail": detail}
        assert (await call("second"))[0] == 200  # a window per key
        assert fake.counters.throttled == 2 and fake.counters.by_status[429] == 2
        fake.configure(variant=attrs.evolve(variant, retry_after="http_date"))
        answers = [await call("first") for _ in range(6)]
        assert [a[0] for a in answers] == [200] * 5 + [429]  # a new variant starts a new window
        assert 54 <= _date_wait(answers[5][2], time.time()) <= 61
        fake.configure(variant=Variant(throttle="drf_window"))  # no rate: DRF does not throttle
        assert [(await call("first"))[0] for _ in range(10)] == [200] * 10


async def test_the_variants_max_limit_caps_pages_until_it_is_unset() -> None:
    async with (
        FakeEpicServer(chargers=60, max_limit=1000, variant="strict-gateway") as fake,
        aiohttp.ClientSession(headers={"Token-Authorization": fake.api_key}) as session,
    ):
        _, page, _ = await get(session, fake.base_url + "charger/?limit=100")
        assert len(page["results"]) == 25 and page["next"].endswith("limit=25&offset=25")
        fake.configure(max_limit=10)  # the variant's cap still wins
        assert len((await get(session, fake.base_url + "user/?limit=100"))[1]["results"]) == 25
        fake.configure(variant=Variant())
        assert len((await get(session, fake.base_url + "user/?limit=100"))[1]["results"]) == 10


# --- in another process -----------------------------------------------------------------------


def _call(url: str, key: str, body: Any = None) -> tuple[int, bytes, str | None]:
    data = None if body is None else json.dumps(body).encode()
    headers = {"Token-Authorization": key, "Content-Type": "application/json"}
    request = urllib.request.Request(url, data=data, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            return answer.status, answer.read(), answer.headers.get("Retry-After")
    except urllib.error.HTTPError as failure:
        with failure:
            return failure.code, failure.read(), failure.headers.get("Retry-After")


def test_variants_survive_run_in_process() -> None:
    variant = Variant(
        drift_share=1.0,
        status_shape="flipped",
        oversize="413_html",
        throttle="drf_window",
        throttle_rate="1000/min",
        max_limit=7,
    )
    local = FakeEpicServer(chargers=20, seed=3, variant=variant)  # the same fleet, not started
    with FakeEpicServer.run_in_process(chargers=20, seed=3, max_batch=1, variant=variant) as sim:
        status, body, _ = _call(sim.base_url + "charger/?limit=100", sim.api_key)
        page = orjson.loads(body)
        assert status == 200 and len(page["results"]) == 7
        for row in page["results"]:
            assert local.drift_of(row["id"]) is not None
            assert orjson.dumps(row) == orjson.dumps(local.served("charger-list", row["id"]))
        rows = list(charger_rows(2))
        status, body, _ = _call(sim.base_url + "chargers", sim.api_key, {"chargers": rows})
        assert status == 413 and b"nginx" in body
        sim.configure(variant=Variant(retry_after="http_date", max_limit=3))
        _, body, _ = _call(sim.base_url + "charger/?limit=100", sim.api_key)
        first = orjson.loads(body)["results"]
        assert len(first) == 3 and first == [
            local.canonical("charger-list", r["id"]) for r in first
        ]
        sim.configure(variant="drifting", fault_rate=1.0, fault_statuses=[429])
        status, _, retry_after = _call(sim.base_url + "charger/", sim.api_key)
        assert status == 429 and retry_after == "1"  # "drifting" keeps the computed form
