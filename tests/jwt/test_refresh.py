"""Refresh-token rotation, the grace window and reuse detection."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import jwt
import pytest
from django.conf import settings
from django.test import override_settings
from django.utils import timezone

from djwechat.exceptions import RefreshReuseError, SessionRevokedError
from djwechat.jwt import sessions
from djwechat.jwt.models import JWTSession
from tests.jwt.conftest import API, error_code

pytestmark = [pytest.mark.urls("tests.jwt.views"), pytest.mark.django_db]


def jti(token: str) -> str:
    return str(jwt.decode(token, options={"verify_signature": False})["jti"])


def refresh(api: API, token: str) -> Any:
    return api.post("/auth/token/refresh/", {"refresh": token})


def age_rotation(seconds: int) -> None:
    JWTSession.objects.update(rotated_at=timezone.now() - timedelta(seconds=seconds))


def test_rotation_on_every_use(api: API, issue: Callable[..., dict[str, Any]]) -> None:
    pair = issue()
    seen = {jti(pair["refresh"])}
    token = pair["refresh"]
    for _ in range(3):
        response = refresh(api, token)
        assert response.status_code == 200
        token = response.json()["refresh"]
        assert jti(token) not in seen
        seen.add(jti(token))
        assert JWTSession.objects.get().refresh_id == jti(token)
    assert JWTSession.objects.count() == 1


def test_reuse_outside_the_grace_window_revokes_the_session(
    api: API, issue: Callable[..., dict[str, Any]]
) -> None:
    pair = issue()
    rotated = refresh(api, pair["refresh"]).json()
    age_rotation(11)
    response = refresh(api, pair["refresh"])
    assert response.status_code == 401
    assert error_code(response) == "refresh_reused"
    assert not JWTSession.objects.exists()
    # Everything of that session is dead: the thief's and the owner's tokens alike.
    assert error_code(api.get("/auth/me/", rotated["access"])) == "session_revoked"
    assert error_code(api.get("/auth/me/", pair["access"])) == "session_revoked"
    assert error_code(refresh(api, rotated["refresh"])) == "session_revoked"


def test_an_older_token_is_reuse_even_inside_the_window(
    api: API, issue: Callable[..., dict[str, Any]]
) -> None:
    pair = issue()
    second = refresh(api, pair["refresh"]).json()
    refresh(api, second["refresh"])
    # pair["refresh"] is two rotations old: only the immediately previous one has a grace window.
    assert error_code(refresh(api, pair["refresh"])) == "refresh_reused"
    assert not JWTSession.objects.exists()


def test_reuse_within_the_grace_window_gets_the_current_refresh_id(
    api: API, issue: Callable[..., dict[str, Any]]
) -> None:
    pair = issue()
    winner = refresh(api, pair["refresh"]).json()
    late = refresh(api, pair["refresh"])
    assert late.status_code == 200
    assert jti(late.json()["refresh"]) == jti(winner["refresh"])
    # Both callers can go on refreshing with what they received; one rotation happened, not two.
    assert refresh(api, late.json()["refresh"]).status_code == 200
    assert JWTSession.objects.count() == 1


def test_zero_grace(api: API, issue: Callable[..., dict[str, Any]]) -> None:
    pair = issue()
    refresh(api, pair["refresh"])
    with override_settings(
        WECHAT={**settings.WECHAT, "JWT": {**settings.WECHAT["JWT"], "REFRESH_GRACE_SECONDS": 0}}
    ):
        age_rotation(1)
        assert error_code(refresh(api, pair["refresh"])) == "refresh_reused"


def test_refresh_extends_the_session(api: API, issue: Callable[..., dict[str, Any]]) -> None:
    pair = issue()
    JWTSession.objects.update(expire_date=timezone.now() + timedelta(days=1))
    assert refresh(api, pair["refresh"]).status_code == 200
    assert JWTSession.objects.get().expire_date > timezone.now() + timedelta(days=29)


def test_expired_session_cannot_refresh(api: API, issue: Callable[..., dict[str, Any]]) -> None:
    pair = issue()
    JWTSession.objects.update(expire_date=timezone.now() - timedelta(seconds=1))
    assert error_code(refresh(api, pair["refresh"])) == "session_revoked"
    assert error_code(api.get("/auth/me/", pair["access"])) == "session_revoked"


def test_inactive_user_cannot_refresh(api: API, issue: Callable[..., dict[str, Any]], user: Any) -> None:
    pair = issue()
    type(user).objects.filter(pk=user.pk).update(is_active=False)  # no signal
    assert error_code(refresh(api, pair["refresh"])) == "session_revoked"
    assert not JWTSession.objects.exists()


def test_python_api(issue: Callable[..., dict[str, Any]]) -> None:
    pair = issue()
    new = sessions.refresh(None, pair["refresh"])
    assert new["user"]["username"] == "alice"
    age_rotation(60)
    with pytest.raises(RefreshReuseError):
        sessions.refresh(None, pair["refresh"])
    with pytest.raises(SessionRevokedError):
        sessions.refresh(None, new["refresh"])
