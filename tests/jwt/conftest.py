"""Fixtures of the session tests: users, a JSON client and token helpers."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.test.client import RequestFactory

import djwechat.jwt

PASSWORD = "correct horse battery staple"


class API:
    """A JSON client that can carry a bearer token."""

    def __init__(self) -> None:
        self.client = Client(HTTP_USER_AGENT="pytest-device/1.0", REMOTE_ADDR="203.0.113.7")

    def _headers(self, token: str | None, header: str | None) -> dict[str, str]:
        if header is not None:
            return {"HTTP_AUTHORIZATION": header}
        return {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}

    def get(self, path: str, token: str | None = None, *, header: str | None = None, **extra: Any) -> Any:
        return self.client.get(path, **self._headers(token, header), **extra)

    def post(
        self,
        path: str,
        body: Any = None,
        token: str | None = None,
        *,
        header: str | None = None,
        **extra: Any,
    ) -> Any:
        data = body if isinstance(body, str | bytes) else json.dumps(body if body is not None else {})
        return self.client.post(
            path, data=data, content_type="application/json", **self._headers(token, header), **extra
        )

    def delete(self, path: str, token: str | None = None) -> Any:
        return self.client.delete(path, **self._headers(token, None))


@pytest.fixture
def api() -> API:
    return API()


@pytest.fixture
def make_user(db: Any) -> Callable[..., Any]:
    counter = iter(range(10_000))

    def make(username: str | None = None, **fields: Any) -> Any:
        name = username or f"user{next(counter)}"
        fields.setdefault("email", f"{name}@example.com")
        return get_user_model().objects.create_user(username=name, password=PASSWORD, **fields)

    return make


@pytest.fixture
def user(make_user: Callable[..., Any]) -> Any:
    return make_user("alice", nickname="Alice", phone_number="+8613800000000")


@pytest.fixture
def issue(user: Any) -> Callable[..., dict[str, Any]]:
    """Log ``user`` (or another) in through the Python API; returns the token pair."""
    factory = RequestFactory(HTTP_USER_AGENT="pytest-device/1.0", REMOTE_ADDR="203.0.113.7")

    def login(who: Any = None, **kwargs: Any) -> dict[str, Any]:
        return djwechat.jwt.login(factory.post("/login/"), who or user, **kwargs)

    return login


def error_code(response: Any) -> str:
    """The ``code`` of a djwechat error answer, or ``"drf:<code>"`` for DRF's default handler."""
    body = response.json()
    if "detail" in body:
        # DRF's own exception handler: the status and message survive, not djwechat's code.
        return "drf:401" if response.status_code == 401 else f"drf:{response.status_code}"
    return str(body["error"]["code"])


def assert_refused(response: Any, code: str) -> None:
    """A 401 with ``code`` (djwechat views) or a DRF ``{"detail"}`` 401 (the project's DRF view)."""
    assert response.status_code == 401, response.content
    assert error_code(response) in (code, "drf:401"), response.content
    if "detail" not in response.json():
        assert error_code(response) == code
