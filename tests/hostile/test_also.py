"""Smaller leaks of the attack pass: cacheable token answers, validators that let a trailing
newline through, OPTIONS answers that publish docstrings, session keys in cache key names."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.core.cache import caches
from django.test import Client

from djwechat.conf import AppSettings, get_settings
from djwechat.testing import SimulatorControl
from tests.hostile.conftest import Credentials, Probe
from tests.hostile.endpoints import mounted_endpoints


def test_token_answers_are_never_stored_by_caches(
    probe: Probe, credentials: Credentials, django_user_model: Any
) -> None:
    django_user_model.objects.create_user(username="cache-me", password="pw-0123456789")
    answers = [
        probe("POST", "/auth/token/", json.dumps({"username": "cache-me", "password": "pw-0123456789"})),
        probe("POST", "/auth/token/refresh/", json.dumps({"refresh": credentials.pair["refresh"]})),
        probe("GET", "/auth/me/", authorization=credentials.bearer),
        probe("GET", "/auth/sessions/", authorization=credentials.bearer),
    ]
    for response in answers:
        assert response.status_code == 200, response.content
        assert "no-store" in response.get("Cache-Control", ""), response.request["PATH_INFO"]


@pytest.mark.parametrize(
    "body",
    [{"code": "abc\n"}, {"code": "abc", "raw_data": "{}", "signature": "0" * 40 + "\n"}],
    ids=["code", "signature"],
)
def test_a_trailing_newline_is_not_a_valid_value(
    probe: Probe, sim: SimulatorControl, hostile_apps: dict[str, AppSettings], body: dict[str, str]
) -> None:
    response = probe("POST", "/auth/miniprogram/mp/login/", json.dumps(body))
    assert response.status_code == 400, response.content
    assert response.json()["error"]["code"] == "bad_request"
    assert sim.calls("/sns/jscode2session") == []


@pytest.mark.parametrize("endpoint", mounted_endpoints(), ids=str)
def test_options_never_publishes_docstrings(
    endpoint: Any, probe: Probe, credentials: Credentials, client: Client
) -> None:
    from django.urls import resolve

    path = endpoint.path(**dict.fromkeys(endpoint.params, "mp"))
    view = resolve(path, urlconf="djwechat.urls").func
    docs = [getattr(getattr(view, "view_class", None), "__doc__", None), view.__doc__]
    lines = {line.strip() for doc in docs if doc for line in doc.splitlines() if len(line.strip()) > 12}
    for authorization in (None, credentials.bearer):
        response = probe("OPTIONS", path, authorization=authorization)
        text = response.content.decode("utf-8", "replace")
        assert not any(line in text for line in lines), text[:300]
        assert '"description"' not in text


def test_session_keys_are_not_in_cache_key_names(credentials: Credentials, probe: Probe) -> None:
    from djwechat.jwt import session_tokens as tokens

    assert probe("GET", "/auth/me/", authorization=credentials.bearer).status_code == 200
    sid = tokens.decode(credentials.pair["access"], "access")["sid"]
    cache = caches[get_settings().cache_alias]
    names = _cache_key_names(cache)
    assert names, "the session should be cached"
    assert not [name for name in names if sid in name]


def _cache_key_names(cache: Any) -> list[str]:
    """Every key name in the test cache (database cache or Redis)."""
    if hasattr(cache, "client") and hasattr(cache.client, "get_client"):
        redis = cache.client.get_client()
        return [key.decode() for key in redis.scan_iter(match=cache.make_key("*"))]
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(f"SELECT cache_key FROM {cache._table}")
        return [row[0] for row in cursor.fetchall()]
