"""``JWTAuthentication``'s overridable steps, and the old import paths of renamed modules."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

import pytest

from djwechat.deprecation import RemovedInDjwechat02Warning
from tests.jwt.conftest import API

pytestmark = [pytest.mark.urls("tests.jwt.views"), pytest.mark.django_db]


def test_get_header_hook_reads_the_token_from_elsewhere(
    api: API, issue: Callable[..., dict[str, Any]], user: Any
) -> None:
    token = issue()["access"]
    # The header is not what this subclass reads: without the cookie it is anonymous.
    assert api.get("/t/drf-cookie/", token).status_code in {401, 403}
    api.client.cookies["access"] = token
    response = api.get("/t/drf-cookie/")
    assert response.status_code == 200
    assert response.json()["username"] == user.get_username()


def test_get_validated_token_hook_adds_a_check(api: API, issue: Callable[..., dict[str, Any]]) -> None:
    token = issue()["access"]
    # The middleware accepted the token; the subclass's own check still runs, and refuses it.
    assert api.get("/t/whoami/", token).json()["error"] is None
    response = api.get("/t/drf-staff/", token)
    assert response.status_code == 401
    assert response.json() == {"detail": "Staff tokens only."}
    assert api.get("/t/drf/", token).status_code == 200
    # A token the default steps refuse is refused before the hook's own check.
    assert api.get("/t/drf-staff/", "not-a-token").json()["detail"] != "Staff tokens only."


@pytest.mark.parametrize(
    ("old", "new", "name"),
    [
        ("djwechat.jwt.backends", "djwechat.jwt.session_store", "SessionStore"),
        ("djwechat.jwt.auth", "djwechat.jwt.request_auth", "authenticate_request"),
        ("djwechat.jwt.tokens", "djwechat.jwt.session_tokens", "decode"),
    ],
)
def test_old_import_paths_work_and_warn(old: str, new: str, name: str) -> None:
    module = importlib.import_module(old)
    with pytest.warns(RemovedInDjwechat02Warning, match=new):
        value = getattr(module, name)
    assert value is getattr(importlib.import_module(new), name)
    with pytest.raises(AttributeError):
        module.__getattr__("no_such_name")  # type: ignore[operator]
