"""Keyed digests for cache key names."""

from __future__ import annotations

from typing import Any

from djwechat._internal.cachekeys import keyed_digest


def test_the_same_value_gets_the_same_name_and_the_name_hides_it() -> None:
    name = keyed_digest("jwt-session", "s3cr3t-session-key")
    assert name == keyed_digest("jwt-session", "s3cr3t-session-key")
    assert len(name) == 40
    assert name.isascii()
    assert "s3cr3t" not in name
    assert keyed_digest("jwt-session", "s3cr3t-session-kez") != name


def test_names_depend_on_the_purpose_and_on_secret_key(settings: Any) -> None:
    name = keyed_digest("throttle", "203.0.113.7")
    assert keyed_digest("jwt-session", "203.0.113.7") != name
    settings.SECRET_KEY = "another-secret-key-" + "x" * 40
    assert keyed_digest("throttle", "203.0.113.7") != name


def test_any_string_has_a_name() -> None:
    assert len(keyed_digest("throttle", "\udcff \x00 \u5c0f")) == 40
