"""System checks report every settings problem with its id."""

from __future__ import annotations

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
