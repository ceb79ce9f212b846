"""The session endpoints over HTTP: token, refresh, logout, me, sessions."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.conf import settings
from django.test import override_settings

from djwechat.jwt.models import JWTSession
from tests.jwt.conftest import API, PASSWORD, error_code

pytestmark = [pytest.mark.urls("tests.jwt.views"), pytest.mark.django_db]


def login_settings(**login: Any) -> override_settings:
    return override_settings(WECHAT={**settings.WECHAT, "LOGIN": {**settings.WECHAT["LOGIN"], **login}})


def jwt_settings(**jwt_overrides: Any) -> override_settings:
    return override_settings(WECHAT={**settings.WECHAT, "JWT": {**settings.WECHAT["JWT"], **jwt_overrides}})


# --------------------------------------------------------------------------- POST /auth/token/


@pytest.mark.parametrize(
    "body",
    [
        {"username": "alice", "password": PASSWORD},
        {"username": "ALICE@example.com", "password": PASSWORD},
        {"email": "alice@example.com", "password": PASSWORD},
    ],
)
def test_password_login(api: API, user: Any, body: dict[str, str]) -> None:
    response = api.post("/auth/token/", body)
    assert response.status_code == 200, response.content
    pair = response.json()
    assert set(pair) == {"access", "refresh", "token_type", "expires_in", "user", "is_new_user"}
    assert pair["user"] == {
        "id": user.pk,
        "username": "alice",
        "nickname": "Alice",
        "avatar_url": "",
        "gender": 0,
        "phone_number": "+8613800000000",
        "email": "alice@example.com",
    }
    assert pair["is_new_user"] is False
    session = JWTSession.objects.get()
    assert session.user_agent == "pytest-device/1.0"
    assert session.ip_address == "203.0.113.7"
    assert api.get("/auth/me/", pair["access"]).json()["username"] == "alice"


@pytest.mark.parametrize(
    "body",
    [
        {"username": "alice", "password": "wrong"},
        {"username": "nobody", "password": PASSWORD},
        {"username": "nobody@example.com", "password": PASSWORD},
    ],
)
def test_bad_credentials(api: API, user: Any, body: dict[str, str]) -> None:
    response = api.post("/auth/token/", body)
    assert response.status_code == 401
    assert error_code(response) == "invalid_credentials"
    assert not JWTSession.objects.exists()


def test_inactive_user_cannot_log_in(api: API, make_user: Callable[..., Any]) -> None:
    make_user("bob", is_active=False)
    response = api.post("/auth/token/", {"username": "bob", "password": PASSWORD})
    assert response.status_code == 401
    assert error_code(response) == "invalid_credentials"


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ("{not json", "malformed_body"),
        ("[1, 2]", "invalid_input"),
        ({"password": PASSWORD}, "invalid_input"),
        ({"username": "alice"}, "invalid_input"),
        ({"username": ["alice"], "password": PASSWORD}, "invalid_input"),
        ({"username": "a" * 300, "password": PASSWORD}, "invalid_input"),
        ({"username": "alice", "password": "x" * 5000}, "invalid_input"),
    ],
)
def test_malformed_login_bodies(api: API, user: Any, body: Any, code: str) -> None:
    response = api.post("/auth/token/", body)
    assert response.status_code == 400, response.content
    assert error_code(response) == code


def test_methods(api: API, issue: Callable[..., dict[str, Any]]) -> None:
    assert api.get("/auth/token/").status_code == 405
    token = issue()["access"]
    response = api.get("/auth/logout/", token)
    assert response.status_code == 405
    assert error_code(response) == "method_not_allowed"


def test_login_is_throttled_per_account(api: API, user: Any) -> None:
    with login_settings(THROTTLE_RATE=None, ACCOUNT_THROTTLE_RATE="3/minute"):
        for _ in range(3):
            assert api.post("/auth/token/", {"username": "alice", "password": "wrong"}).status_code == 401
        response = api.post("/auth/token/", {"username": "Alice", "password": PASSWORD})
        assert response.status_code == 429
        assert error_code(response) == "throttled"
        # Sliding window: refused attempts count too, so the wait may reach into the next minute.
        assert 1 <= int(response["Retry-After"]) <= 120
        # Another account from the same address is not affected.
        assert api.post("/auth/token/", {"username": "carol", "password": "x"}).status_code == 401


def test_login_is_throttled_per_ip(api: API, user: Any) -> None:
    with login_settings(THROTTLE_RATE="2/minute", ACCOUNT_THROTTLE_RATE=None):
        for name in ("a", "b"):
            assert api.post("/auth/token/", {"username": name, "password": "x"}).status_code == 401
        assert api.post("/auth/token/", {"username": "alice", "password": PASSWORD}).status_code == 429
        other = API()
        other.client.defaults["REMOTE_ADDR"] = "198.51.100.9"
        assert other.post("/auth/token/", {"username": "alice", "password": PASSWORD}).status_code == 200


def test_behind_a_proxy_each_client_has_its_own_throttle_and_session_address(api: API, user: Any) -> None:
    proxied = {**settings.WECHAT, "TRUSTED_PROXIES": 1}
    with (
        override_settings(WECHAT=proxied),
        login_settings(THROTTLE_RATE="2/minute", ACCOUNT_THROTTLE_RATE=None),
    ):
        # Every request comes from the proxy's address (the API client's REMOTE_ADDR).
        for name in ("a", "b"):
            response = api.post(
                "/auth/token/", {"username": name, "password": "x"}, HTTP_X_FORWARDED_FOR="198.51.100.1"
            )
            assert response.status_code == 401
        # That client is throttled, even when it forges an earlier hop ...
        forged = api.post(
            "/auth/token/",
            {"username": "c", "password": "x"},
            HTTP_X_FORWARDED_FOR="192.0.2.50, 198.51.100.1",
        )
        assert forged.status_code == 429
        # ... while another client behind the same proxy is not.
        response = api.post(
            "/auth/token/", {"username": "alice", "password": PASSWORD}, HTTP_X_FORWARDED_FOR="198.51.100.2"
        )
        assert response.status_code == 200
    assert JWTSession.objects.get().ip_address == "198.51.100.2"


# --------------------------------------------------------------------------- refresh


def test_refresh_endpoint(api: API, issue: Callable[..., dict[str, Any]]) -> None:
    pair = issue()
    response = api.post("/auth/token/refresh/", {"refresh": pair["refresh"]})
    assert response.status_code == 200
    new = response.json()
    assert new["refresh"] != pair["refresh"]
    assert new["access"] != pair["access"]
    assert api.get("/auth/me/", new["access"]).status_code == 200
    # The old access token stays valid until it expires: refresh rotates, it does not log out.
    assert api.get("/auth/me/", pair["access"]).status_code == 200


@pytest.mark.parametrize("body", [{}, {"refresh": ""}, {"refresh": 5}, "nope"])
def test_refresh_bad_bodies(api: API, body: Any) -> None:
    assert api.post("/auth/token/refresh/", body).status_code == 400


@pytest.mark.parametrize("token", ["garbage", "a.b.c", "x" * 9000])
def test_refresh_garbage(api: API, token: str) -> None:
    response = api.post("/auth/token/refresh/", {"refresh": token})
    assert response.status_code in (400, 401)
    assert response.json()["error"]["code"] in ("invalid_token", "invalid_input")


# --------------------------------------------------------------------------- logout


def test_logout_ends_only_this_session(api: API, issue: Callable[..., dict[str, Any]]) -> None:
    first, second = issue(), issue()
    assert api.post("/auth/logout/", None, first["access"]).status_code == 204
    assert error_code(api.get("/auth/me/", first["access"])) == "session_revoked"
    assert error_code(api.post("/auth/token/refresh/", {"refresh": first["refresh"]})) == "session_revoked"
    assert api.get("/auth/me/", second["access"]).status_code == 200


def test_logout_everywhere(
    api: API, issue: Callable[..., dict[str, Any]], make_user: Callable[..., Any]
) -> None:
    first, second = issue(), issue()
    other = issue(make_user("bob"))
    assert api.post("/auth/logout/", {"all": True}, first["access"]).status_code == 204
    for pair in (first, second):
        assert error_code(api.get("/auth/me/", pair["access"])) == "session_revoked"
    assert api.get("/auth/me/", other["access"]).status_code == 200


@pytest.mark.parametrize(
    "body",
    [
        pytest.param({}, id="empty-multipart-form"),
        pytest.param(
            {"data": b"", "content_type": "application/x-www-form-urlencoded"}, id="empty-urlencoded"
        ),
        pytest.param({"data": b"", "content_type": "text/plain"}, id="empty-text"),
        pytest.param({"data": b"", "content_type": "application/json"}, id="empty-json"),
    ],
)
def test_logout_accepts_an_empty_body_of_any_type(
    api: API, issue: Callable[..., dict[str, Any]], body: dict[str, Any]
) -> None:
    token = issue()["access"]
    response = api.client.post("/auth/logout/", HTTP_AUTHORIZATION=f"Bearer {token}", **body)
    assert response.status_code == 204
    assert error_code(api.get("/auth/me/", token)) == "session_revoked"


@pytest.mark.parametrize(
    "body",
    [
        pytest.param({"data": {"all": "1"}}, id="multipart-with-a-field"),
        pytest.param(
            {"data": b"all=1", "content_type": "application/x-www-form-urlencoded"}, id="urlencoded"
        ),
        pytest.param({"data": b"all", "content_type": "text/plain"}, id="text"),
    ],
)
def test_a_form_that_carries_fields_is_refused(
    api: API, issue: Callable[..., dict[str, Any]], body: dict[str, Any]
) -> None:
    token = issue()["access"]
    response = api.client.post("/auth/logout/", HTTP_AUTHORIZATION=f"Bearer {token}", **body)
    assert response.status_code == 415
    assert error_code(response) == "unsupported_media_type"
    assert api.get("/auth/me/", token).status_code == 200


@pytest.mark.parametrize("raw", [b"null", b"[]", b"false", b"0", b'""'], ids=lambda raw: raw.decode())
def test_logout_refuses_a_json_body_that_is_not_an_object(
    api: API, issue: Callable[..., dict[str, Any]], raw: bytes
) -> None:
    token = issue()["access"]
    response = api.client.post(
        "/auth/logout/", raw, content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {token}"
    )
    assert response.status_code == 400
    assert api.get("/auth/me/", token).status_code == 200


def test_logout_needs_a_session(api: API) -> None:
    response = api.post("/auth/logout/", {})
    assert response.status_code == 401
    assert error_code(response) == "not_authenticated"


@pytest.mark.parametrize("everywhere", ["maybe", "true", 0, 1, None, [], {}], ids=repr)
def test_logout_bad_body(api: API, issue: Callable[..., dict[str, Any]], everywhere: object) -> None:
    token = issue()["access"]
    response = api.post("/auth/logout/", {"all": everywhere}, token)
    assert response.status_code == 400
    assert error_code(response) == "invalid_input"
    assert api.get("/auth/me/", token).status_code == 200


# --------------------------------------------------------------------------- sessions


def test_list_sessions(api: API, issue: Callable[..., dict[str, Any]], make_user: Callable[..., Any]) -> None:
    mine = issue()
    issue()
    issue(make_user("bob"))
    response = api.get("/auth/sessions/", mine["access"])
    assert response.status_code == 200
    rows = response.json()["sessions"]
    assert len(rows) == 2
    assert [row["current"] for row in rows].count(True) == 1
    assert set(rows[0]) == {
        "id",
        "user_agent",
        "ip_address",
        "created_at",
        "last_seen",
        "expires_at",
        "current",
    }
    keys = set(JWTSession.objects.values_list("session_key", flat=True))
    assert not any(key in response.content.decode() for key in keys)
    assert rows[0]["user_agent"] == "pytest-device/1.0"
    assert rows[0]["ip_address"] == "203.0.113.7"


def test_revoke_one_device(api: API, issue: Callable[..., dict[str, Any]]) -> None:
    mine, lost_phone = issue(), issue()
    rows = api.get("/auth/sessions/", mine["access"]).json()["sessions"]
    target = next(row["id"] for row in rows if not row["current"])
    assert api.delete(f"/auth/sessions/{target}/", mine["access"]).status_code == 204
    assert error_code(api.get("/auth/me/", lost_phone["access"])) == "session_revoked"
    assert api.get("/auth/me/", mine["access"]).status_code == 200
    response = api.delete(f"/auth/sessions/{target}/", mine["access"])
    assert response.status_code == 404
    assert error_code(response) == "not_found"


def test_cannot_revoke_someone_elses_session(
    api: API, issue: Callable[..., dict[str, Any]], make_user: Callable[..., Any]
) -> None:
    mine = issue()
    bob = issue(make_user("bob"))
    bob_id = api.get("/auth/sessions/", bob["access"]).json()["sessions"][0]["id"]
    response = api.delete(f"/auth/sessions/{bob_id}/", mine["access"])
    assert response.status_code == 404
    assert api.get("/auth/me/", bob["access"]).status_code == 200


@pytest.mark.parametrize("public_id", ["nope", "%27%20OR%201=1", "x" * 200])
def test_revoke_unknown_ids(api: API, issue: Callable[..., dict[str, Any]], public_id: str) -> None:
    response = api.delete(f"/auth/sessions/{public_id}/", issue()["access"])
    assert response.status_code == 404
    assert error_code(response) == "not_found"


# The test itself puts a session key in a URL, which Django logs as a 404.
@pytest.mark.logs_secrets
def test_revoke_by_session_key_is_not_possible(api: API, issue: Callable[..., dict[str, Any]]) -> None:
    mine, other = issue(), issue()
    key = JWTSession.objects.exclude(
        public_id__in=[
            r["id"] for r in api.get("/auth/sessions/", mine["access"]).json()["sessions"] if r["current"]
        ]
    ).values_list("session_key", flat=True)[0]
    assert api.delete(f"/auth/sessions/{key}/", mine["access"]).status_code == 404
    assert api.get("/auth/me/", other["access"]).status_code == 200


def test_single_session_policy(api: API, user: Any) -> None:
    with jwt_settings(SINGLE_SESSION=True):
        first = api.post("/auth/token/", {"username": "alice", "password": PASSWORD}).json()
        second = api.post("/auth/token/", {"username": "alice", "password": PASSWORD}).json()
        assert error_code(api.get("/auth/me/", first["access"])) == "session_revoked"
        assert api.get("/auth/me/", second["access"]).status_code == 200
        assert JWTSession.objects.count() == 1
