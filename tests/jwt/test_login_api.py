"""The Python API (``djwechat.jwt.login`` / ``logout``) and its extension hooks."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import jwt
import pytest
from django.conf import settings
from django.contrib.auth import user_logged_in
from django.test import RequestFactory, override_settings

import djwechat.jwt
from djwechat.jwt.models import JWTSession
from djwechat.jwt.serializers import user_payload
from djwechat.jwt.session_store import SessionStore
from tests.jwt.conftest import API, error_code

pytestmark = [pytest.mark.urls("tests.jwt.views"), pytest.mark.django_db]

HOOKS = "tests.jwt.hooks_for_tests"


def jwt_settings(**jwt_overrides: Any) -> override_settings:
    return override_settings(WECHAT={**settings.WECHAT, "JWT": {**settings.WECHAT["JWT"], **jwt_overrides}})


def claims_of(token: str) -> dict[str, Any]:
    return jwt.decode(token, options={"verify_signature": False})


def test_login_stores_session_data_but_never_answers_it(user: Any) -> None:
    request = RequestFactory().post("/x/", HTTP_USER_AGENT="MicroMessenger/8.0", REMOTE_ADDR="2001:db8::1")
    pair = djwechat.jwt.login(
        request, user, session_data={"wechat_session_key": "c2Vzc2lvbi1rZXk="}, is_new_user=True
    )
    assert pair["is_new_user"] is True
    assert "c2Vzc2lvbi1rZXk=" not in repr(pair)
    assert "c2Vzc2lvbi1rZXk=" not in repr(claims_of(pair["access"])) + repr(claims_of(pair["refresh"]))
    session = JWTSession.objects.get()
    assert session.created_at == session.last_seen
    assert session.get_decoded() == {"wechat_session_key": "c2Vzc2lvbi1rZXk="}
    assert session.user_agent == "MicroMessenger/8.0"
    assert session.ip_address == "2001:db8::1"
    # The request now carries the new session.
    assert request.jwt_user == user
    assert request.jwt_session["wechat_session_key"] == "c2Vzc2lvbi1rZXk="


def test_session_data_is_readable_on_later_requests(api: API, issue: Callable[..., dict[str, Any]]) -> None:
    pair = issue(session_data={"wechat_session_key": "abc"})
    request = RequestFactory().get("/", HTTP_AUTHORIZATION=f"Bearer {pair['access']}")
    from djwechat.jwt.request_auth import authenticate_request

    authenticate_request(request)
    assert request.jwt_session["wechat_session_key"] == "abc"  # type: ignore[attr-defined]


def test_login_without_request(user: Any) -> None:
    pair = djwechat.jwt.login(None, user)
    session = JWTSession.objects.get()
    assert session.user_agent == ""
    assert session.ip_address is None
    assert claims_of(pair["access"])["sid"] == session.session_key


def test_garbage_remote_addr_and_long_user_agent(user: Any) -> None:
    request = RequestFactory().post("/x/", HTTP_USER_AGENT="x" * 1000, REMOTE_ADDR="not-an-ip")
    djwechat.jwt.login(request, user)
    session = JWTSession.objects.get()
    assert session.ip_address is None
    assert len(session.user_agent) == 256


def test_login_sends_user_logged_in(user: Any) -> None:
    received: list[Any] = []

    def receiver(sender: Any, user: Any, **kwargs: Any) -> None:
        received.append(user)

    user_logged_in.connect(receiver)
    try:
        djwechat.jwt.login(None, user)
    finally:
        user_logged_in.disconnect(receiver)
    assert received == [user]
    user.refresh_from_db()
    assert user.last_login is not None


def test_logout_python_api(api: API, issue: Callable[..., dict[str, Any]]) -> None:
    pair = issue()
    request = RequestFactory().get("/", HTTP_AUTHORIZATION=f"Bearer {pair['access']}")
    from djwechat.jwt.request_auth import authenticate_request

    authenticate_request(request)
    djwechat.jwt.logout(request)
    assert request.jwt_user is None
    assert request.jwt_session.session_key is None
    assert error_code(api.get("/auth/me/", pair["access"])) == "session_revoked"
    djwechat.jwt.logout(request)  # anonymous: nothing to do
    djwechat.jwt.logout(None)


def test_user_payload_of_a_plain_user(user: Any) -> None:
    payload = user_payload(user)
    assert payload["id"] == user.pk
    assert payload["email"] == "alice@example.com"


def test_custom_identity_hooks(api: API, user: Any, issue: Callable[..., dict[str, Any]]) -> None:
    with jwt_settings(
        USER_TO_PAYLOAD=f"{HOOKS}.username_to_payload", PAYLOAD_TO_USER=f"{HOOKS}.payload_to_user_by_username"
    ):
        pair = issue()
        assert claims_of(pair["access"])["sub"] == "user:alice"
        assert claims_of(pair["access"])["name"] == "alice"
        assert claims_of(pair["refresh"])["sub"] == "user:alice"
        assert api.get("/t/protected/", pair["access"]).json() == {"username": "alice"}
        assert api.post("/auth/token/refresh/", {"refresh": pair["refresh"]}).status_code == 200


def test_payload_to_user_naming_someone_else_is_refused(
    api: API, make_user: Callable[..., Any], issue: Callable[..., dict[str, Any]]
) -> None:
    bob = make_user("bob")
    with jwt_settings(
        USER_TO_PAYLOAD=f"{HOOKS}.username_to_payload", PAYLOAD_TO_USER=f"{HOOKS}.payload_to_user_by_username"
    ):
        pair = issue()
        # A session of alice whose claims now resolve to bob (say, usernames were swapped).
        JWTSession.objects.update(user=bob)
        response = api.get("/t/protected/", pair["access"])
        assert response.status_code == 401
        assert error_code(response) == "session_revoked"


def test_extra_claims_cannot_override_reserved_ones(issue: Callable[..., dict[str, Any]]) -> None:
    with jwt_settings(EXTRA_CLAIMS=f"{HOOKS}.extra_claims"):
        pair = issue()
    claims = claims_of(pair["access"])
    assert claims["role"] == "member"
    assert claims["typ"] == "access"
    assert claims["sid"] == JWTSession.objects.get().session_key
    assert "role" not in claims_of(pair["refresh"])


def test_token_response_hook(api: API, user: Any) -> None:
    with jwt_settings(TOKEN_RESPONSE=f"{HOOKS}.token_response"):
        response = api.post("/auth/token/", {"username": "alice", "password": "correct horse battery staple"})
    body = response.json()
    assert body["shaped_for"] == "pytest-device/1.0"
    assert api.get("/auth/me/", body["data"]["access"]).status_code == 200


def test_store_refuses_to_change_its_key(issue: Callable[..., dict[str, Any]]) -> None:
    issue()
    store = SessionStore(JWTSession.objects.get().session_key)
    with pytest.raises(NotImplementedError):
        store.cycle_key()


def test_store_without_user_cannot_be_created(db: Any) -> None:
    with pytest.raises(ValueError, match="belongs to a user"):
        SessionStore().create()


def test_clear_expired(issue: Callable[..., dict[str, Any]]) -> None:
    from datetime import timedelta

    from django.utils import timezone

    issue()
    issue()
    JWTSession.objects.filter(pk=JWTSession.objects.first().pk).update(
        expire_date=timezone.now() - timedelta(seconds=1)
    )
    SessionStore.clear_expired()
    assert JWTSession.objects.count() == 1


def test_reference_hooks_change_nothing(api: API, user: Any) -> None:
    with jwt_settings(
        EXTRA_CLAIMS="djwechat.jwt.hooks.no_extra_claims",
        TOKEN_RESPONSE="djwechat.jwt.hooks.plain_token_response",
    ):
        response = api.post("/auth/token/", {"username": "alice", "password": "correct horse battery staple"})
    assert set(response.json()) == {"access", "refresh", "token_type", "expires_in", "user", "is_new_user"}


def test_account_throttle_counts_the_account_whatever_it_is_called(
    api: API, make_user: Callable[..., Any], settings: Any
) -> None:
    """``alice`` and ``alice@example.com`` are one account: together they get one rate."""
    settings.WECHAT = {
        **settings.WECHAT,
        "LOGIN": {**settings.WECHAT["LOGIN"], "THROTTLE_RATE": None, "ACCOUNT_THROTTLE_RATE": "4/minute"},
    }
    make_user("alice", email="alice@example.com")
    names = ["alice", "alice@example.com", "Alice@Example.com", " alice", "alice@example.com", "alice"]
    codes = [api.post("/auth/token/", {"username": name, "password": "wrong"}).status_code for name in names]
    assert codes == [401, 401, 401, 401, 429, 429]


def test_account_throttle_looks_the_same_for_an_unknown_account(
    api: API, make_user: Callable[..., Any], settings: Any
) -> None:
    settings.WECHAT = {
        **settings.WECHAT,
        "LOGIN": {**settings.WECHAT["LOGIN"], "THROTTLE_RATE": None, "ACCOUNT_THROTTLE_RATE": "3/minute"},
    }
    make_user("bob")
    for name in ("bob", "nobody"):
        codes = [
            api.post("/auth/token/", {"username": name, "password": "wrong"}).status_code for _ in range(5)
        ]
        assert codes == [401, 401, 401, 429, 429], name
