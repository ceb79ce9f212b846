"""Fixtures of the hostile-input sweep: configured apps, a logged-in WeChat user, and a probe
that sends one request and checks the answer against the rules every endpoint must keep."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import unquote

import pytest
from django.conf import settings as django_settings
from django.contrib.auth import get_user_model
from django.test import Client, RequestFactory
from django.urls import Resolver404, resolve

import djwechat.jwt
from djwechat.client import get_client
from djwechat.conf import AppSettings, get_settings
from djwechat.jwt import session_tokens as tokens
from djwechat.jwt.models import JWTSession
from djwechat.jwt.session_store import SessionStore
from djwechat.login.flows.miniprogram import SESSION_KEY
from djwechat.testing import TEST_APPS, SimulatorControl
from tests.hostile import routers
from tests.hostile.checks import assert_sane
from tests.hostile.endpoints import Endpoint, mounted_endpoints

ROUTER = "tests.hostile.routers.router"
METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "HEAD")
#: ``None``: the request carries no Content-Type header at all.
CONTENT_TYPES = (
    "application/json",
    "application/x-www-form-urlencoded",
    "multipart/form-data; boundary=BoUnDaRy",
    "text/xml",
    "text/plain; charset=utf-8",
    # Charsets nobody knows, or odd ones: the body is still just bytes.  (A charset naming a
    # codec that is no text encoding, such as rot13, together with a query string makes Django's
    # own request constructor raise, before any middleware or view runs.)
    "application/json; charset=x-evil",
    "application/x-www-form-urlencoded; charset=x-evil",
    "text/xml; charset=utf-7",
    None,
)


@pytest.fixture
def hostile_apps(
    wechat_in_process: dict[str, AppSettings], settings: Any, db: None
) -> dict[str, AppSettings]:
    """The simulator's ``mp``, ``web`` and ``oa`` apps; ``oa`` routes to a counting router."""
    wechat = dict(settings.WECHAT)
    apps = {alias: dict(app) for alias, app in wechat["APPS"].items()}
    apps["oa"]["ROUTER"] = ROUTER
    wechat["APPS"] = apps
    settings.WECHAT = wechat
    routers.reset()
    return get_settings().apps


@pytest.fixture
def secrets(hostile_apps: dict[str, AppSettings]) -> list[str]:
    """Values that must never appear in an answer; tests append session keys and tokens they see."""
    values = [django_settings.SECRET_KEY, django_settings.WECHAT["JWT"]["SIGNING_KEY"]]
    for app in TEST_APPS.values():
        values += [app["APP_SECRET"], app.get("TOKEN", ""), app.get("ENCODING_AES_KEY", "")]
    return [value for value in values if value]


@pytest.fixture
def wechat_login(
    client: Client, sim: SimulatorControl, hostile_apps: dict[str, AppSettings], secrets: list[str]
) -> dict[str, Any]:
    """A Mini Program login through the real endpoint: its token pair.

    The session it opened holds the WeChat session_key, which joins ``secrets``, and so does
    the app's WeChat access token.
    """
    user = sim.create_user("hostile-alice", nickname="Alice")
    code = sim.mint_code(hostile_apps["mp"].app_id, user.id)
    response = client.post("/auth/miniprogram/mp/login/", {"code": code}, content_type="application/json")
    assert response.status_code == 200, response.content
    pair: dict[str, Any] = response.json()
    sid = tokens.decode(pair["access"], "access")["sid"]
    session_key = SessionStore(sid)[SESSION_KEY]
    assert isinstance(session_key, str)
    assert session_key
    secrets.append(session_key)
    secrets.append(get_client("mp").access_token())
    pair["public_id"] = JWTSession.objects.values_list("public_id", flat=True).get(session_key=sid)
    return pair


class Credentials:
    """A live session of the logged-in WeChat user, renewed when a probe ended it.

    A sweep that POSTs ``{}`` to ``/auth/logout/`` or DELETEs the session legitimately ends the
    session; :meth:`renew` opens another one just like it (same session data) so the following
    probes still reach the code behind authentication.
    """

    def __init__(self, pair: dict[str, Any]) -> None:
        sid = tokens.decode(pair["access"], "access")["sid"]
        store = SessionStore(sid)
        self.session_data = dict(store.items())
        self.user = get_user_model().objects.get(pk=pair["user"]["id"])
        self._set(pair)

    def _set(self, pair: dict[str, Any]) -> None:
        self.pair = pair
        sid = tokens.decode(pair["access"], "access")["sid"]
        self.public_id: str = JWTSession.objects.values_list("public_id", flat=True).get(session_key=sid)

    @property
    def bearer(self) -> str:
        """``Bearer <access>`` of the live session."""
        return f"Bearer {self.pair['access']}"

    def alive(self) -> bool:
        """Whether the session still exists."""
        return JWTSession.objects.filter(public_id=self.public_id).exists()

    def renew(self) -> None:
        """Open a new session for the same user with the same session data."""
        request = RequestFactory().post("/login/")
        self._set(djwechat.jwt.login(request, self.user, session_data=self.session_data))


@pytest.fixture
def credentials(wechat_login: dict[str, Any]) -> Credentials:
    """The :class:`Credentials` of the WeChat user of ``wechat_login``."""
    return Credentials(wechat_login)


def endpoint_of(path: str) -> Endpoint | None:
    """The mounted endpoint ``path`` resolves to, or ``None`` (Django's own 404)."""
    try:
        # What the server will route: the percent-decoded path (%2F becomes a separator).
        match = resolve(unquote(path.split("?", 1)[0]), urlconf="djwechat.urls")
    except Resolver404:
        return None
    by_name = {e.name: e for e in mounted_endpoints()}
    return by_name.get(match.url_name)


Probe = Callable[..., Any]


@pytest.fixture
def probe(client: Client, secrets: list[str]) -> Iterator[Probe]:
    """``probe(method, path, body=b"", content_type=..., authorization=None, **extra)``.

    Sends one request with Django's test client (exceptions in a view fail the test) and asserts
    what every answer must satisfy (see :func:`tests.hostile.checks.assert_sane`).
    """

    def send(
        method: str,
        path: str,
        body: bytes | str = b"",
        content_type: str | None = "application/json",
        authorization: str | None = None,
        **extra: Any,
    ) -> Any:
        if authorization is not None:
            extra["HTTP_AUTHORIZATION"] = authorization
        data = body.encode("utf-8") if isinstance(body, str) else body
        if content_type is None:
            extra["CONTENT_TYPE"] = ""
        response = client.generic(method, path, data, content_type=content_type or "", **extra)
        endpoint = endpoint_of(path)
        assert_sane(endpoint, method, path, response, secrets)
        return response

    return send


def user_count() -> int:
    """How many users exist."""
    return get_user_model().objects.count()
