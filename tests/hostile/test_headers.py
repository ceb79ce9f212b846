"""Odd request metadata on the endpoints that record it (device, address) or count it (throttling)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.contrib.auth import get_user_model

from djwechat.conf import AppSettings
from djwechat.jwt.models import JWTSession
from djwechat.testing import SimulatorControl
from tests.hostile.checks import assert_json_error
from tests.hostile.conftest import Probe

PASSWORD = "correct horse battery staple"

#: Gunicorn and other strict servers refuse a NUL in a header; Django's development server does not.
USER_AGENTS = ("", "a\x00b", "x" * 20_000, "\xff\xfe\xe9", "Mozilla/5.0 \u00e9", "\x01\x1b[31m", "\t\r")
REMOTE_ADDRS = ("", "not-an-ip", "999.1.1.1", "1.2.3.4, 5.6.7.8", "::1", "fe80::1%eth0", "\x00", "x" * 300)


@pytest.fixture
def password_user(db: None) -> Any:
    return get_user_model().objects.create_user(username="dora", email="dora@example.com", password=PASSWORD)


def test_password_login_with_odd_device_metadata(probe: Probe, password_user: Any) -> None:
    body = json.dumps({"username": "dora", "password": PASSWORD})
    for user_agent in USER_AGENTS:
        for remote_addr in REMOTE_ADDRS:
            response = probe(
                "POST", "/auth/token/", body, HTTP_USER_AGENT=user_agent, REMOTE_ADDR=remote_addr
            )
            assert response.status_code == 200, (user_agent[:20], remote_addr[:20], response.content)
    sessions = JWTSession.objects.filter(user=password_user)
    assert sessions.count() == len(USER_AGENTS) * len(REMOTE_ADDRS)
    assert all(len(session.user_agent) <= 256 for session in sessions)


def test_miniprogram_login_with_odd_device_metadata(
    probe: Probe, sim: SimulatorControl, hostile_apps: dict[str, AppSettings]
) -> None:
    user = sim.create_user("erin")
    for user_agent, remote_addr in zip(USER_AGENTS, REMOTE_ADDRS, strict=False):
        code = sim.mint_code(hostile_apps["mp"].app_id, user.id)
        response = probe(
            "POST",
            "/auth/miniprogram/mp/login/",
            json.dumps({"code": code}),
            HTTP_USER_AGENT=user_agent,
            REMOTE_ADDR=remote_addr,
        )
        assert response.status_code == 200, (user_agent[:20], remote_addr[:20], response.content)


def test_throttled_logins_answer_json_429(probe: Probe, password_user: Any, settings: Any) -> None:
    settings.WECHAT = {
        **settings.WECHAT,
        "LOGIN": {"THROTTLE_RATE": "3/minute", "ACCOUNT_THROTTLE_RATE": None},
    }
    odd_accounts = ("dora", "\u00e9" * 254, "DORA ", "x" * 254)
    for index in range(6):
        body = json.dumps({"username": odd_accounts[index % len(odd_accounts)], "password": "wrong"})
        response = probe("POST", "/auth/token/", body, REMOTE_ADDR="203.0.113.9")
        if index < 3:
            assert response.status_code in (400, 401), response.content
        else:
            assert response.status_code == 429
            assert assert_json_error(response, "throttled")["code"] == "throttled"
            assert int(response["Retry-After"]) >= 1
    # Another address still gets through: the limit is per client, not global.
    other = probe(
        "POST", "/auth/token/", json.dumps({"username": "dora", "password": PASSWORD}), REMOTE_ADDR="::1"
    )
    assert other.status_code == 200


def test_user_agent_with_a_nul_byte(probe: Probe, password_user: Any) -> None:
    body = json.dumps({"username": "dora", "password": PASSWORD})
    response = probe("POST", "/auth/token/", body, HTTP_USER_AGENT="a\x00b")
    assert response.status_code == 200
