"""Settings parsing: defaults, validation problems and cache reset."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import override_settings

from djwechat.conf import DEFAULT_PIPELINE, get_settings, parse_settings
from djwechat.exceptions import AppNotFoundError

VALID_KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"


def oa_app(**extra: object) -> dict[str, object]:
    return {"TYPE": "official_account", "APP_ID": "wxoa", "APP_SECRET": "s", "TOKEN": "t", **extra}


def problem_ids(raw: object) -> list[str]:
    return [p.id for p in parse_settings(raw)[1]]


def test_empty_settings_give_documented_defaults() -> None:
    parsed, problems = parse_settings({})
    assert problems == []
    assert parsed.apps == {}
    assert parsed.api_base_url == "https://api.weixin.qq.com"
    assert parsed.open_base_url == "https://open.weixin.qq.com"
    assert parsed.jwt.algorithm == "HS256"
    assert parsed.jwt.access_token_lifetime == timedelta(minutes=15)
    assert parsed.jwt.auth_header_types == ("Bearer", "JWT")
    assert parsed.jwt.session_cache_seconds == 0
    assert parsed.login.pipeline == DEFAULT_PIPELINE
    assert parsed.messages.timestamp_tolerance == 300
    assert parsed.client.token_mode == "stable"


def test_full_settings_are_parsed_into_typed_values() -> None:
    parsed, problems = parse_settings(
        {
            "APPS": {
                "mp": {"TYPE": "miniprogram", "APP_ID": "wxmp", "APP_SECRET": "secret"},
                "oa": oa_app(ENCODING_AES_KEY=VALID_KEY, MESSAGE_MODE="safe", ROUTER="x.y"),
            },
            "API_BASE_URL": "http://127.0.0.1:8900/",
            "JWT": {"ACCESS_TOKEN_LIFETIME": 60, "LEEWAY": timedelta(seconds=5), "SINGLE_SESSION": True},
            "LOGIN": {"THROTTLE_RATE": "none", "PIPELINE": ["a.b"]},
            "MESSAGES": {"TIMESTAMP_TOLERANCE": 0, "HANDLER_BUDGET": 1.5},
            "CLIENT": {"TOKEN_MODE": "classic", "TIMEOUT": 2},
        }
    )
    assert problems == []
    assert parsed.api_base_url == "http://127.0.0.1:8900"
    assert parsed.app("oa").message_mode == "safe"
    assert parsed.app("mp", type="miniprogram").app_id == "wxmp"
    assert [a.alias for a in parsed.apps_of_type("official_account")] == ["oa"]
    assert parsed.jwt.access_token_lifetime == timedelta(seconds=60)
    assert parsed.jwt.single_session is True
    assert parsed.login.throttle_rate is None
    assert parsed.login.pipeline == ("a.b",)
    assert parsed.messages.handler_budget == 1.5
    assert parsed.client.timeout == 2.0


def test_secrets_are_not_in_repr() -> None:
    parsed, _ = parse_settings({"APPS": {"oa": oa_app(APP_SECRET="very-secret-value")}})
    assert "very-secret-value" not in repr(parsed)


@pytest.mark.parametrize(
    ("raw", "expected_id"),
    [
        ("not a dict", "djwechat.E001"),
        ({"APPS": []}, "djwechat.E001"),
        ({"UNKNOWN": 1}, "djwechat.E002"),
        ({"JWT": {"ACCES_TOKEN_LIFETIME": 1}}, "djwechat.E002"),
        (
            {"APPS": {"mp": {"TYPE": "miniprogram", "APP_ID": "x", "APP_SECRET": "y", "TOKEN_X": 1}}},
            "djwechat.E002",
        ),
        ({"JWT": {"ALGORITHM": "none"}}, "djwechat.E003"),
        ({"JWT": {"SINGLE_SESSION": "yes"}}, "djwechat.E003"),
        ({"LOGIN": {"THROTTLE_RATE": "fast"}}, "djwechat.E003"),
        ({"MESSAGES": {"DEDUPE_SECONDS": -1}}, "djwechat.E003"),
        ({"API_BASE_URL": "ftp://x"}, "djwechat.E003"),
        ({"APPS": {"mp": {"TYPE": "miniprogram", "APP_ID": "x"}}}, "djwechat.E004"),
        ({"APPS": {"mp": {"TYPE": "game", "APP_ID": "x", "APP_SECRET": "y"}}}, "djwechat.E003"),
        ({"APPS": {"bad alias": {"TYPE": "miniprogram", "APP_ID": "x", "APP_SECRET": "y"}}}, "djwechat.E004"),
        ({"APPS": {"oa": {"TYPE": "official_account", "APP_ID": "x", "APP_SECRET": "y"}}}, "djwechat.E005"),
        ({"APPS": {"oa": oa_app(MESSAGE_MODE="safe")}}, "djwechat.E006"),
        ({"APPS": {"oa": oa_app(ENCODING_AES_KEY="short")}}, "djwechat.E006"),
        ({"JWT": {"ACCESS_TOKEN_LIFETIME": 100, "REFRESH_TOKEN_LIFETIME": 50}}, "djwechat.E007"),
        ({"JWT": {"ALGORITHM": "RS256"}}, "djwechat.E007"),
        ({"JWT": {"REFRESH_GRACE_SECONDS": 600}}, "djwechat.E007"),
    ],
)
def test_invalid_settings_are_reported_with_ids(raw: object, expected_id: str) -> None:
    assert expected_id in problem_ids(raw)


def test_duplicate_app_ids_are_reported() -> None:
    app = {"TYPE": "miniprogram", "APP_ID": "same", "APP_SECRET": "y"}
    assert "djwechat.E004" in problem_ids({"APPS": {"a": app, "b": dict(app)}})


def test_get_settings_raises_on_invalid_and_follows_override_settings() -> None:
    with override_settings(WECHAT={"NOPE": 1}), pytest.raises(ImproperlyConfigured, match=r"djwechat\.E002"):
        get_settings()
    with override_settings(WECHAT={"API_BASE_URL": "http://sim.local"}):
        assert get_settings().api_base_url == "http://sim.local"
    assert get_settings().api_base_url == "https://api.weixin.qq.com"


def test_unknown_app_alias_raises_typed_error() -> None:
    parsed, _ = parse_settings({"APPS": {"oa": oa_app()}})
    with pytest.raises(AppNotFoundError) as excinfo:
        parsed.app("missing")
    assert excinfo.value.status_code == 404
    with pytest.raises(AppNotFoundError):
        parsed.app("oa", type="miniprogram")


def test_callback_base_url_is_an_origin_of_a_browser_login_app() -> None:
    def parsed(app: dict[str, object]) -> tuple[object, list[str]]:
        settings, problems = parse_settings({"APPS": {"x": app}})
        return (settings.apps["x"].callback_base_url if "x" in settings.apps else None), [
            p.id for p in problems
        ]

    web = {"TYPE": "website", "APP_ID": "wxweb", "APP_SECRET": "s"}
    assert parsed(web) == ("", [])
    assert parsed({**web, "CALLBACK_BASE_URL": "https://www.example.com/"}) == ("https://www.example.com", [])
    assert parsed(oa_app(CALLBACK_BASE_URL="http://127.0.0.1:8000")) == ("http://127.0.0.1:8000", [])
    for bad in ("www.example.com", "https://www.example.com/login", "ftp://x", "https://a b", "https://x?y"):
        assert parsed({**web, "CALLBACK_BASE_URL": bad})[1] == ["djwechat.E003"], bad
    assert parsed({**web, "CALLBACK_BASE_URL": 42})[1] == ["djwechat.E003"]
    mp = {"TYPE": "miniprogram", "APP_ID": "wxmp", "APP_SECRET": "s", "CALLBACK_BASE_URL": "https://x.com"}
    assert parsed(mp)[1] == ["djwechat.E004"]
