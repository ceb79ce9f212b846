"""Revocation is immediate: the very next request with the access token gets 401."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.conf import settings
from django.test import override_settings

import djwechat.jwt
from djwechat.jwt.models import JWTSession
from djwechat.jwt.session_store import SessionStore
from tests.jwt.conftest import API, assert_refused, error_code

pytestmark = [pytest.mark.urls("tests.jwt.views"), pytest.mark.django_db]

PATHS = ("/t/protected/", "/t/drf/", "/auth/me/")


@pytest.fixture
def warm(api: API, issue: Callable[..., dict[str, Any]]) -> dict[str, Any]:
    """A token pair whose session is already in the shared cache."""
    pair = issue()
    for path in PATHS:
        assert api.get(path, pair["access"]).status_code == 200
    return pair


def assert_revoked(api: API, pair: dict[str, Any]) -> None:
    for path in PATHS:
        assert_refused(api.get(path, pair["access"]), "session_revoked")
    assert error_code(api.post("/auth/token/refresh/", {"refresh": pair["refresh"]})) == "session_revoked"


def test_after_logout(api: API, warm: dict[str, Any]) -> None:
    api.post("/auth/logout/", {}, warm["access"])
    assert_revoked(api, warm)


def test_after_logout_everywhere(
    api: API, warm: dict[str, Any], issue: Callable[..., dict[str, Any]]
) -> None:
    other = issue()
    api.get("/auth/me/", other["access"])
    api.post("/auth/logout/", {"all": True}, other["access"])
    assert_revoked(api, warm)
    assert_revoked(api, other)


def test_after_session_delete(api: API, warm: dict[str, Any], issue: Callable[..., dict[str, Any]]) -> None:
    other = issue()
    target = next(
        r["id"] for r in api.get("/auth/sessions/", other["access"]).json()["sessions"] if not r["current"]
    )
    api.delete(f"/auth/sessions/{target}/", other["access"])
    assert_revoked(api, warm)


def test_after_deactivation(api: API, warm: dict[str, Any], user: Any) -> None:
    user.is_active = False
    user.save()
    assert_revoked(api, warm)


def test_after_user_deletion(api: API, warm: dict[str, Any], user: Any) -> None:
    user.delete()
    assert_revoked(api, warm)
    assert not JWTSession.objects.exists()


def test_after_queryset_delete(api: API, warm: dict[str, Any]) -> None:
    JWTSession.objects.all().delete()
    assert_revoked(api, warm)


def test_after_store_delete(api: API, warm: dict[str, Any]) -> None:
    SessionStore(JWTSession.objects.get().session_key).delete()
    assert_revoked(api, warm)


def test_after_revoke_user_sessions(api: API, warm: dict[str, Any], user: Any) -> None:
    assert djwechat.jwt.revoke_user_sessions(user) == 1
    assert_revoked(api, warm)


def test_deactivation_without_signal_is_caught_when_the_user_is_loaded(
    api: API, warm: dict[str, Any], user: Any
) -> None:
    type(user).objects.filter(pk=user.pk).update(is_active=False)
    # /t/protected/ reads the username, which loads the user: refused, and the sessions end.
    response = api.get("/t/protected/", warm["access"])
    assert response.status_code == 401
    assert error_code(response) == "session_revoked"
    assert_revoked(api, warm)


def test_with_the_local_cache_this_process_still_sees_revocations(api: API, warm: dict[str, Any]) -> None:
    jwt_conf = {**settings.WECHAT["JWT"], "SESSION_CACHE_SECONDS": 60}
    with override_settings(WECHAT={**settings.WECHAT, "JWT": jwt_conf}):
        assert api.get("/auth/me/", warm["access"]).status_code == 200
        JWTSession.objects.all().delete()
        assert_revoked(api, warm)
