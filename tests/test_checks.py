"""System checks report every settings problem with its id."""

from __future__ import annotations

from typing import Any

import pytest
from django.conf import settings
from django.core import checks
from django.test import override_settings


def djwechat_errors() -> list[checks.CheckMessage]:
    return [m for m in checks.run_checks(tags=["djwechat"]) if m.id and m.id.startswith("djwechat.")]


def test_valid_settings_pass() -> None:
    assert djwechat_errors() == []


def test_unknown_keys_and_bad_dotted_paths_are_errors() -> None:
    with override_settings(
        WECHAT={
            "JWT": {"EXTRA_CLAIMS": "no.such.module.claims", "WHAT": 1},
            "LOGIN": {"PIPELINE": ["djwechat.jwt.hooks.user_to_payload", "missing.step"]},
        }
    ):
        errors = djwechat_errors()
    ids = sorted(e.id or "" for e in errors)
    assert ids == ["djwechat.E002", "djwechat.E008", "djwechat.E008"]
    assert any("missing.step" in e.msg for e in errors)


def test_every_problem_is_listed_not_only_the_first() -> None:
    with override_settings(
        WECHAT={"APPS": {"oa": {"TYPE": "official_account", "APP_ID": "x", "APP_SECRET": "y"}}, "X": 1}
    ):
        ids = {e.id for e in djwechat_errors()}
    assert {"djwechat.E002", "djwechat.E005"} <= ids


def hints(errors: list[checks.CheckMessage], error_id: str) -> list[str]:
    return [e.hint or "" for e in errors if e.id == error_id]


def test_an_unknown_key_suggests_the_closest_known_one() -> None:
    with override_settings(
        WECHAT={**settings.WECHAT, "APP": {}, "JWT": {**settings.WECHAT["JWT"], "SIGNING_KYE": "x"}}
    ):
        found = hints(djwechat_errors(), "djwechat.E002")
    assert any(h.startswith("Did you mean 'APPS'?") for h in found), found
    assert any(h.startswith("Did you mean 'SIGNING_KEY'?") for h in found), found


def test_a_key_like_no_other_lists_the_known_keys() -> None:
    with override_settings(WECHAT={**settings.WECHAT, "LOGIN": {"ZZZ": 1}}):
        (hint,) = hints(djwechat_errors(), "djwechat.E002")
    assert hint.startswith("known settings here: ACCOUNT_THROTTLE_RATE")


def test_a_cache_alias_that_names_no_cache_is_an_error() -> None:
    with override_settings(WECHAT={**settings.WECHAT, "CACHE_ALIAS": "shared"}):
        errors = [e for e in djwechat_errors() if e.id == "djwechat.E010"]
    assert len(errors) == 1
    assert "'shared'" in errors[0].msg
    assert "'default'" in (errors[0].hint or "")


OA_APP = {
    "TYPE": "official_account",
    "APP_ID": "wxcheck00000000001",
    "APP_SECRET": "secret",
    "TOKEN": "token",
}


@pytest.mark.parametrize(
    ("router", "expected"),
    [
        ("djwechat.messaging.Router", ["djwechat.E011"]),  # the class, not an instance
        ("tests.messaging.routers.calls", ["djwechat.E011"]),  # a Counter
        ("tests.messaging.routers.no_such_router", ["djwechat.E008"]),  # reported once, as E008
        ("example.wechat.router", []),
    ],
)
def test_a_router_must_be_a_router_instance(router: str, expected: list[str]) -> None:
    with override_settings(WECHAT={**settings.WECHAT, "APPS": {"oa": {**OA_APP, "ROUTER": router}}}):
        ids = sorted(e.id or "" for e in djwechat_errors())
    assert ids == expected


@pytest.mark.parametrize(
    ("jwt_settings", "too_short"),
    [
        ({"SIGNING_KEY": "k" * 31}, ["['JWT']['SIGNING_KEY']"]),
        ({"SIGNING_KEY": "k" * 32}, []),
        ({"SIGNING_KEY": "é" * 16}, []),  # bytes, not characters
        ({"ALGORITHM": "HS512", "SIGNING_KEY": "k" * 48}, ["['JWT']['SIGNING_KEY']"]),
        ({"SIGNING_KEY": "k" * 40, "VERIFYING_KEYS": ["old"]}, ["['JWT']['VERIFYING_KEYS'][0]"]),
        ({"SIGNING_KEY": None}, []),  # SECRET_KEY: Django's own deploy check judges it
    ],
)
def test_an_hmac_key_shorter_than_the_hash_is_an_error(
    jwt_settings: dict[str, Any], too_short: list[str]
) -> None:
    with override_settings(WECHAT={**settings.WECHAT, "JWT": jwt_settings}):
        errors = [e for e in djwechat_errors() if e.id == "djwechat.E012"]
    assert [e.msg.split(":")[0] for e in errors] == [f"WECHAT{where}" for where in too_short]


# --------------------------------------------------------------------------- check --deploy

PRODUCTION_APPS = [app for app in settings.INSTALLED_APPS if app != "djwechat.simulator"]


def deploy_warnings() -> list[str]:
    messages = checks.run_checks(tags=["djwechat"], include_deployment_checks=True)
    return sorted(m.id or "" for m in messages if m.id and m.id.startswith("djwechat.W"))


def test_a_production_setup_passes_the_deploy_checks() -> None:
    with override_settings(INSTALLED_APPS=PRODUCTION_APPS):
        assert deploy_warnings() == []


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"WECHAT": {**settings.WECHAT, "JWT": {}}}, "djwechat.W001"),
        (
            {"CACHES": {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}},
            "djwechat.W002",
        ),
        (
            {"CACHES": {"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}},
            "djwechat.W002",
        ),
        ({"WECHAT": {**settings.WECHAT, "API_BASE_URL": "http://127.0.0.1:8900"}}, "djwechat.W003"),
        ({"WECHAT": {**settings.WECHAT, "OPEN_BASE_URL": "http://localhost:8900/"}}, "djwechat.W003"),
        ({"WECHAT": {**settings.WECHAT, "API_BASE_URL": "http://[::1]:8900"}}, "djwechat.W003"),
    ],
)
def test_each_deployment_mistake_is_a_warning_of_its_own(change: dict[str, Any], expected: str) -> None:
    with override_settings(INSTALLED_APPS=PRODUCTION_APPS, **change):
        assert deploy_warnings() == [expected]


def test_the_simulator_in_installed_apps_is_a_deploy_warning() -> None:
    assert deploy_warnings() == ["djwechat.W004"]  # the suite's own settings install it


def test_deploy_warnings_only_come_with_deploy() -> None:
    with override_settings(WECHAT={**settings.WECHAT, "JWT": {}}):
        assert not [m for m in checks.run_checks(tags=["djwechat"]) if (m.id or "").startswith("djwechat.W")]
