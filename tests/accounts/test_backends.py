"""UsernameOrEmailBackend: a username or an email address, and a password."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth import authenticate, get_user_model

from djwechat.accounts.auth_backends import UsernameOrEmailBackend

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery staple"


@pytest.fixture
def alice() -> Any:
    return get_user_model().objects.create_user("alice", email="Alice@Example.com", password=PASSWORD)


@pytest.mark.parametrize("login", ["alice", "alice@example.com", "ALICE@EXAMPLE.COM", "Alice@Example.com"])
def test_username_or_email(alice: Any, login: str) -> None:
    assert authenticate(None, username=login, password=PASSWORD) == alice


@pytest.mark.parametrize(
    ("login", "password"),
    [("alice", "wrong"), ("bob", PASSWORD), ("bob@example.com", PASSWORD), ("", PASSWORD), ("alice", None)],
)
def test_refusals(alice: Any, login: str, password: str | None) -> None:
    assert authenticate(None, username=login, password=password) is None


def test_inactive_user_is_refused(alice: Any) -> None:
    alice.is_active = False
    alice.save()
    assert authenticate(None, username="alice", password=PASSWORD) is None


def test_username_wins_over_someone_elses_email(alice: Any) -> None:
    # bob's username is alice's email address: the username match decides.
    bob = get_user_model().objects.create_user(
        "alice@example.com", email="bob@example.com", password="bob-pass"
    )
    assert authenticate(None, username="alice@example.com", password="bob-pass") == bob
    assert authenticate(None, username="alice@example.com", password=PASSWORD) is None


def test_shared_email_matches_nobody(alice: Any) -> None:
    get_user_model().objects.create_user("alice2", email="alice@example.com", password=PASSWORD)
    assert authenticate(None, username="alice@example.com", password=PASSWORD) is None
    assert authenticate(None, username="alice2", password=PASSWORD) is not None


def test_backend_called_directly(alice: Any) -> None:
    backend = UsernameOrEmailBackend()
    assert backend.authenticate(None, username="alice@example.com", password=PASSWORD) == alice
    assert backend.authenticate(None, password=PASSWORD) is None


def test_the_old_import_path_still_works_with_a_warning() -> None:
    import importlib

    from djwechat.deprecation import RemovedInDjwechat02Warning

    old = importlib.import_module("djwechat.accounts.backends")
    with pytest.warns(RemovedInDjwechat02Warning, match="auth_backends"):
        assert old.UsernameOrEmailBackend is UsernameOrEmailBackend
