from __future__ import annotations

import pytest

from epic_async._config import ApiKey, Timeouts, resolve_config, resolve_paths


def resolve(**kwargs: object) -> object:
    args: dict[str, object] = {"api_key": "k", "tenant": None, "base_url": None, "paths": None}
    args.update(kwargs)
    return resolve_config(**args, environ={})  # type: ignore[arg-type]


def test_tenant_becomes_the_documented_base_url() -> None:
    config = resolve_config(api_key="k", tenant="demo", base_url=None, paths=None, environ={})
    assert config.base_url == "https://demo.epiccharging.com/api/external/v1/"


def test_environment_fallbacks_and_arguments_win() -> None:
    env = {"EPIC_API_KEY": "env-key", "EPIC_BASE_URL": "http://127.0.0.1:9/api/external/v1"}
    config = resolve_config(api_key=None, tenant=None, base_url=None, paths=None, environ=env)
    assert config.api_key.reveal() == "env-key"
    assert config.base_url == "http://127.0.0.1:9/api/external/v1/"
    config = resolve_config(api_key="arg", tenant="acme", base_url=None, paths=None, environ=env)
    assert (config.api_key.reveal(), config.base_url) == (
        "arg",
        "https://acme.epiccharging.com/api/external/v1/",
    )


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"api_key": None, "tenant": "demo"}, "api_key is missing"),
        ({"api_key": "  ", "tenant": "demo"}, "api_key must be a non-empty"),
        ({"tenant": "demo", "base_url": "https://x/"}, "not both"),
        ({}, "no API location"),
        ({"tenant": "Demo Tenant"}, "'Demo Tenant'"),
        ({"base_url": "ftp://x/"}, "'ftp://x/'"),
        ({"base_url": "http://api.example.com/v1/"}, "allow_insecure_http=True"),
        ({"tenant": "demo", "paths": {"charger.list": "x/"}}, "'charger.list'"),
        ({"tenant": "demo", "paths": {"chargers.get": "charger/"}}, "must contain '{id}'"),
    ],
)
def test_bad_configuration_is_refused_naming_the_value(
    kwargs: dict[str, object], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        resolve(**kwargs)


def test_insecure_http_needs_an_explicit_opt_in() -> None:
    config = resolve_config(
        api_key="k",
        tenant=None,
        base_url="http://api.example.com/v1/",
        paths=None,
        allow_insecure_http=True,
        environ={},
    )
    assert config.base_url == "http://api.example.com/v1/"


def test_path_overrides_merge_into_the_table() -> None:
    paths = resolve_paths({"locations.list": "locations/"})
    assert paths["locations.list"] == "locations/"
    assert paths["chargers.list"] == "charger/"


def test_api_key_never_shows_in_repr() -> None:
    key = ApiKey("sk-secret")
    assert "sk-secret" not in repr(key) and "sk-secret" not in str(key)
    config = resolve_config(
        api_key="sk-secret", tenant="demo", base_url=None, paths=None, environ={}
    )
    assert "sk-secret" not in repr(config)


def test_timeouts_reject_non_positive_values() -> None:
    with pytest.raises(ValueError, match=r"Timeouts\.read"):
        Timeouts(read=0)
