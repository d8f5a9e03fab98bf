"""The curated public surface: the names the docs promise stay importable, nothing private leaks."""

from __future__ import annotations

import epic_async
import epic_async.models
import epic_async.testing


def test_top_level_all_is_curated_and_importable() -> None:
    assert sorted(epic_async.__all__) == sorted(set(epic_async.__all__))
    for name in epic_async.__all__:
        assert hasattr(epic_async, name), name
        assert not name.startswith("_") or name == "__version__"
    for promised in (
        "EpicClient",
        "RateLimit",
        "RetryPolicy",
        "RetryBudget",
        "Timeouts",
        "EpicError",
        "Pager",
    ):
        assert promised in epic_async.__all__


def test_models_and_testing_expose_what_design_promises() -> None:
    for promised in (
        "ChargerCreate",
        "PortCreate",
        "LocationCreate",
        "UserCreate",
        "Charger",
        "ChargerDetail",
    ):
        assert promised in epic_async.models.__all__
    assert "FakeEpicServer" in epic_async.testing.__all__
