"""``Variant``: how far a simulated tenant strays from ``docs/wire-shapes.md``, and named presets.

The real API is Django REST Framework, and DRF answers one condition in several shapes depending
on its version, its settings and the serializers each tenant runs: a list of per-item errors or a
dict keyed by index, ``non_field_errors`` or another key, a 413 from a proxy before DRF sees the
batch, ``Retry-After`` in seconds or as a date or not at all, a token bucket at the gateway or
DRF's own sliding-window throttle. Records drift too: a serializer field declared differently on one
tenant sends ``"21.5"`` where another sends ``21.5``. A ``Variant`` picks one of these answers for
each, so that integration tests can run across them (see ``docs/simulator-variants.md``).

Pure data: no aiohttp, nothing from the SDK. ``Variant()`` is today's documented behaviour.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal, get_args

import attrs

__all__ = [
    "VARIANTS",
    "Oversize",
    "PerItemErrors",
    "RetryAfterForm",
    "StatusShape",
    "Throttle",
    "Variant",
    "as_variant",
    "parse_rate",
]

StatusShape = Literal["documented", "flipped"]
PerItemErrors = Literal["list", "dict"]
Oversize = Literal["top_list", "key_list", "key_non_field", "413_json", "413_html", "413_empty"]
RetryAfterForm = Literal["computed", "seconds", "http_date", "absent", "rotate"]
Throttle = Literal["token_bucket", "drf_window"]

# DRF's SimpleRateThrottle.parse_rate reads only the first letter of the period.
_PERIODS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_rate(rate: str) -> tuple[int, int]:
    """DRF's rate strings: ``"600/min"`` → ``(600, 60)``, ``"20/s"`` → ``(20, 1)``."""
    try:
        num, period = rate.split("/")
        count, seconds = int(num), _PERIODS[period.strip()[0]]
    except (ValueError, KeyError, IndexError):
        raise ValueError(f"throttle_rate {rate!r}: expected N/period, e.g. '600/min'") from None
    if count < 1:
        raise ValueError(f"throttle_rate {rate!r}: allow at least one request")
    return count, seconds


def _one_of(kind: Any) -> Any:
    return attrs.validators.in_(get_args(kind))


def _optional_positive(_: Any, attribute: attrs.Attribute[Any], value: int | None) -> None:
    if value is not None and value < 1:
        raise ValueError(f"{attribute.name} must be at least 1 (or None), not {value}")


def _share(_: Any, attribute: attrs.Attribute[Any], value: float) -> None:
    if not 0.0 <= value <= 1.0:
        raise ValueError(f"drift_share must be within [0, 1], not {value}")


def _rate(_: Any, attribute: attrs.Attribute[Any], value: str | None) -> None:
    if value is not None:
        parse_rate(value)


def _key(_: Any, attribute: attrs.Attribute[Any], value: str) -> None:
    if not value:
        raise ValueError("non_field_errors_key may not be empty")


@attrs.frozen(kw_only=True)
class Variant:
    """One plausible way of serving the API. The defaults are the documented behaviour, at no cost.

    - ``drift_share``: share of records (chosen from the server's seed and each record's id) whose
      JSON drifts, one drift kind per record, on every read endpoint (see ``_drift.DRIFT_FIELDS``).
    - ``status_shape``: ``"flipped"`` sends every ``{key, value}`` status and connector type as a
      plain string (the key) and the charging-session ``status`` as ``{key, value}``.
    - ``per_item_errors``: bulk 400s as a list aligned with the input (``"list"``) or, as DRF 3.18
      does with ``LIST_SERIALIZER_ERRORS_AS_DICT``, a dict keyed by the failing indexes (``"dict"``).
    - ``oversize``: the answer to a batch over ``max_batch``; ``None`` leaves it to the
      ``oversize_status`` knob (400 → ``"key_list"``, 413 → ``"413_json"``).
    - ``non_field_errors_key``: DRF's ``NON_FIELD_ERRORS_KEY`` setting.
    - ``retry_after``: the form of ``Retry-After`` on 429s: ``"computed"`` (today: decimal
      seconds), ``"seconds"`` (whole seconds, as DRF sends), ``"http_date"``, ``"absent"``, or
      ``"rotate"`` (seconds, date, absent, in turn).
    - ``throttle``: the gateway's token bucket (``rate``/``burst`` knobs) or DRF's
      ``SimpleRateThrottle`` (``"drf_window"``): at most N requests per key in any window.
    - ``throttle_rate``: ``"600/min"``, ``"20/s"``: the window's N and period; with the token
      bucket, N/period tokens per second (instead of the ``rate`` knob).
    - ``max_limit``, ``burst``: when set, they take precedence over the knobs of the same name.
    """

    drift_share: float = attrs.field(default=0.0, converter=float, validator=_share)
    status_shape: StatusShape = attrs.field(default="documented", validator=_one_of(StatusShape))
    per_item_errors: PerItemErrors = attrs.field(default="list", validator=_one_of(PerItemErrors))
    oversize: Oversize | None = attrs.field(
        default=None, validator=attrs.validators.optional(_one_of(Oversize))
    )
    non_field_errors_key: str = attrs.field(default="non_field_errors", validator=_key)
    retry_after: RetryAfterForm = attrs.field(default="computed", validator=_one_of(RetryAfterForm))
    throttle: Throttle = attrs.field(default="token_bucket", validator=_one_of(Throttle))
    throttle_rate: str | None = attrs.field(default=None, validator=_rate)
    max_limit: int | None = attrs.field(default=None, validator=_optional_positive)
    burst: int | None = attrs.field(default=None, validator=_optional_positive)

    @property
    def reshapes(self) -> bool:
        """Whether records leave the server differently from the documented shapes."""
        return self.drift_share > 0 or self.status_shape != "documented"

    def to_json(self) -> dict[str, Any]:
        """Plain JSON values (for ``run_in_process()`` and the ``/_sim/`` admin endpoints)."""
        return attrs.asdict(self)

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Variant:
        return cls(**data)


def as_variant(value: Variant | Mapping[str, Any] | str | None) -> Variant:
    """A ``Variant`` from itself, its ``to_json()`` dict, a preset name, or ``None`` (documented)."""
    if value is None:
        return Variant()
    if isinstance(value, Variant):
        return value
    if isinstance(value, str):
        try:
            return VARIANTS[value]
        except KeyError:
            raise ValueError(f"unknown variant {value!r}; presets: {sorted(VARIANTS)}") from None
    return Variant.from_json(value)


# The presets' DRF throttle rates are high enough that an ordinary test never meets them (a window
# of a minute: a throttled client would wait up to 60 s); tests that want 429s lower the rate with
# configure(variant=attrs.evolve(v, throttle_rate="5/s")) or use the `rate` knob.
VARIANTS: dict[str, Variant] = {
    "documented": Variant(),
    "drifting": Variant(drift_share=0.3),
    "flipped-statuses": Variant(status_shape="flipped"),
    "drf-3.18": Variant(
        per_item_errors="dict",
        oversize="key_non_field",
        retry_after="seconds",
        throttle="drf_window",
        throttle_rate="6000/min",
        max_limit=1000,
    ),
    "strict-gateway": Variant(max_limit=25, burst=5, oversize="413_json", retry_after="seconds"),
    "behind-proxy": Variant(oversize="413_html", retry_after="http_date"),
    "bare-proxy": Variant(oversize="413_empty", retry_after="absent"),
    "custom-error-key": Variant(non_field_errors_key="errors", oversize="top_list"),
    "kitchen-sink": Variant(
        drift_share=0.5,
        status_shape="flipped",
        per_item_errors="dict",
        oversize="key_non_field",
        non_field_errors_key="errors",
        retry_after="rotate",
        throttle="drf_window",
        throttle_rate="6000/min",
        max_limit=25,
        burst=5,
    ),
}
