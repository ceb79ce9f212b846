"""Every old import path still works, with a warning that names the new one."""

from __future__ import annotations

import importlib

import pytest

from djwechat.deprecation import RemovedInDjwechat02Warning

MOVED = [
    ("djwechat.accounts.backends", "UsernameOrEmailBackend", "djwechat.accounts.auth_backends"),
    ("djwechat.client.tokens", "AccessTokenManager", "djwechat.client.access_tokens"),
    ("djwechat.client.tokens", "CachedToken", "djwechat.client.access_tokens"),
    ("djwechat.simulator.tokens", "issue_stable_token", "djwechat.simulator.access_tokens"),
    ("djwechat.client.locks", "CacheLock", "djwechat._internal.cachelock"),
    ("djwechat.client.cacheio", "CacheIO", "djwechat._internal.cacheio"),
    ("djwechat.client.concurrency", "run_sync", "djwechat._internal.concurrency"),
]


@pytest.mark.parametrize(("old", "name", "new"), MOVED, ids=lambda v: str(v))
def test_a_moved_name_warns_and_is_the_same_object(old: str, name: str, new: str) -> None:
    with pytest.warns(RemovedInDjwechat02Warning, match=new):
        found = getattr(importlib.import_module(old), name)
    assert found is getattr(importlib.import_module(new), name)


def test_renamed_and_removed_errors() -> None:
    from djwechat import exceptions

    with pytest.warns(RemovedInDjwechat02Warning, match="AppCredentialsError"):
        assert exceptions.InvalidCredentialError is exceptions.AppCredentialsError  # type: ignore[attr-defined]
    with pytest.warns(RemovedInDjwechat02Warning, match="LoginRefusedError"):
        assert exceptions.InactiveUserError is exceptions.LoginRefusedError  # type: ignore[attr-defined]


def test_an_unknown_name_is_still_an_attribute_error() -> None:
    from djwechat import exceptions

    with pytest.raises(AttributeError):
        exceptions.NoSuchError  # type: ignore[attr-defined]  # noqa: B018
