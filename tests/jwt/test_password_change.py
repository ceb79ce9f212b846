"""A password change ends every session of the user, as Django's session auth hash does for
cookie sessions; what is not a password change ends none."""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth.hashers import make_password
from django.core.management import call_command
from django.test import Client

from djwechat.jwt.models import JWTSession
from tests.jwt.conftest import API, PASSWORD, assert_refused

pytestmark = [pytest.mark.urls("tests.jwt.admin_urls"), pytest.mark.django_db]


@pytest.fixture
def two_devices(api: API, issue: Callable[..., dict[str, Any]]) -> list[dict[str, Any]]:
    pairs = [issue(), issue()]
    for pair in pairs:
        assert api.get("/auth/me/", pair["access"]).status_code == 200  # cached, too
    return pairs


def assert_all_ended(api: API, pairs: list[dict[str, Any]], user: Any) -> None:
    for pair in pairs:
        assert_refused(api.get("/auth/me/", pair["access"]), "session_revoked")
    assert not JWTSession.objects.filter(user=user).exists()


def assert_all_alive(api: API, pairs: list[dict[str, Any]]) -> None:
    for pair in pairs:
        assert api.get("/auth/me/", pair["access"]).status_code == 200


def test_set_password_and_save(api: API, two_devices: list[dict[str, Any]], user: Any) -> None:
    user.set_password("a brand new passphrase")
    user.save()
    assert_all_ended(api, two_devices, user)


def test_set_unusable_password(api: API, two_devices: list[dict[str, Any]], user: Any) -> None:
    user.set_unusable_password()
    user.save()
    assert_all_ended(api, two_devices, user)


def test_changepassword_command(
    api: API, two_devices: list[dict[str, Any]], user: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from django.contrib.auth.management.commands import changepassword

    monkeypatch.setattr(changepassword.getpass, "getpass", lambda prompt="": "a brand new passphrase")
    call_command("changepassword", user.username, stdout=io.StringIO())
    assert_all_ended(api, two_devices, user)


def test_admin_password_change(
    api: API, two_devices: list[dict[str, Any]], user: Any, make_user: Callable[..., Any]
) -> None:
    make_user("root", is_staff=True, is_superuser=True)
    browser = Client()
    assert browser.login(username="root", password=PASSWORD)
    response = browser.post(
        f"/admin/users/user/{user.pk}/password/",
        {
            "password1": "a brand new passphrase",
            "password2": "a brand new passphrase",
            "usable_password": "true",
        },
    )
    assert response.status_code == 302, response.content[:2000]
    assert_all_ended(api, two_devices, user)


def test_other_saves_end_nothing(
    api: API, two_devices: list[dict[str, Any]], user: Any, settings: Any
) -> None:
    settings.PASSWORD_HASHERS = [
        "django.contrib.auth.hashers.MD5PasswordHasher",
        "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    ]
    user.nickname = "Alicia"
    user.save()
    user.save(update_fields=["last_login"])
    # A hash upgrade at login rewrites the hash of the same password (the preferred hasher is
    # MD5 here, so a PBKDF2 hash is upgraded by the next password login): not a change.
    type(user).objects.filter(pk=user.pk).update(password=make_password(PASSWORD, hasher="pbkdf2_sha256"))
    user.refresh_from_db()
    assert user.check_password(PASSWORD)
    assert api.post("/auth/token/", {"username": user.username, "password": PASSWORD}).status_code == 200
    user.refresh_from_db()
    assert user.password.startswith("md5$")  # upgraded
    assert_all_alive(api, two_devices)
