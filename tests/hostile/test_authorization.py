"""Garbage ``Authorization`` headers, confused and forged tokens, and a valid token whose user
is gone: never a 5xx, never more access than no header at all."""

from __future__ import annotations

import json
import time
from typing import Any

import jwt as pyjwt
import pytest
from django.conf import settings as django_settings
from django.contrib.auth import get_user_model
from django.db import connection

from djwechat.accounts.models import Identity
from djwechat.jwt.models import JWTSession
from tests.hostile.checks import assert_json_error
from tests.hostile.conftest import Credentials, Probe
from tests.hostile.corpus import GARBAGE_TOKENS
from tests.hostile.endpoints import Endpoint, mounted_endpoints

ENDPOINTS = mounted_endpoints()
SCHEMES = ("Bearer", "JWT", "bearer", "jwt", "BEARER", "Basic", "Token", "")
#: Endpoints that answer only an authenticated caller.
PROTECTED = ("/auth/me/", "/auth/sessions/", "/auth/logout/", "/auth/miniprogram/mp/phone/")


def paths(endpoint: Endpoint, credentials: Credentials) -> list[str]:
    values = {"app": endpoint.home_alias, "public_id": credentials.public_id, "ticket": "0" * 40}
    return [endpoint.path(**{name: values[name] for name in endpoint.params})]


def statuses(probe: Probe, path: str, authorization: str | None) -> list[int]:
    return [
        probe(method, path, b"{}", "application/json", authorization).status_code
        for method in ("GET", "POST", "DELETE")
    ]


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=str)
def test_garbage_authorization_grants_nothing(
    endpoint: Endpoint, probe: Probe, credentials: Credentials
) -> None:
    for path in paths(endpoint, credentials):
        anonymous = statuses(probe, path, None)
        for scheme in SCHEMES:
            for token in GARBAGE_TOKENS:
                header = f"{scheme} {token}" if scheme else token
                for anonymous_status, status in zip(anonymous, statuses(probe, path, header), strict=True):
                    # Refused as a bad token (401), or ignored as another scheme: never more.
                    assert status in (anonymous_status, 401), (path, header[:80], status)
    assert credentials.alive()


def _forge(claims: dict[str, Any], *, key: str | None = None, algorithm: str = "HS256") -> str:
    signing_key = key if key is not None else django_settings.WECHAT["JWT"]["SIGNING_KEY"]
    return pyjwt.encode(claims, signing_key, algorithm=algorithm)


def forged_tokens(credentials: Credentials) -> dict[str, str]:
    """Tokens a client cannot be allowed to use, each for a different reason."""
    access = credentials.pair["access"]
    claims = pyjwt.decode(access, options={"verify_signature": False})
    now = int(time.time())
    header, payload, signature = access.split(".")
    return {
        "refresh-as-access": credentials.pair["refresh"],
        "other-key": _forge(claims, key="not-the-signing-key-0123456789abcdef"),
        "alg-none": pyjwt.encode(claims, None, algorithm="none"),
        "alg-hs512": _forge(claims, algorithm="HS512"),
        "expired": _forge({**claims, "iat": now - 7200, "exp": now - 3600}),
        "future-iat": _forge({**claims, "iat": now + 3600, "exp": now + 7200}),
        "no-sid": _forge({k: v for k, v in claims.items() if k != "sid"}),
        "unknown-sid": _forge({**claims, "sid": "x" * 32}),
        "sid-number": _forge({**claims, "sid": 12345678}),
        "sid-list": _forge({**claims, "sid": ["a" * 32]}),
        "typ-missing": _forge({k: v for k, v in claims.items() if k != "typ"}),
        "exp-string": _forge({**claims, "exp": "tomorrow"}),
        "tampered-payload": f"{header}.{payload[:-2]}AA.{signature}",
        "signature-dropped": f"{header}.{payload}.",
        "doubled": f"{access}.{access}",
    }


@pytest.mark.filterwarnings("ignore::jwt.warnings.InsecureKeyLengthWarning")  # HS512 with the HS256 key
def test_forged_and_confused_tokens_are_refused(probe: Probe, credentials: Credentials) -> None:
    for reason, token in forged_tokens(credentials).items():
        for scheme in ("Bearer", "JWT"):
            for path in PROTECTED:
                method = "GET" if path.endswith(("me/", "sessions/")) else "POST"
                response = probe(method, path, b"{}", "application/json", f"{scheme} {token}")
                assert response.status_code == 401, (reason, path, response.content)
                assert_json_error(response, reason)
                assert credentials.alive(), (reason, path)
    assert credentials.alive()


def test_token_naming_another_user_than_its_session(probe: Probe, credentials: Credentials) -> None:
    """Well signed (so only with the signing key), but ``sub`` disagrees with the session's
    user: the session decides, and a disagreement ends the session rather than switch users."""
    claims = pyjwt.decode(credentials.pair["access"], options={"verify_signature": False})
    other = get_user_model().objects.create_user(username="mallory", password="x" * 12)
    token = _forge({**claims, "sub": str(other.pk)})
    response = probe("GET", "/auth/me/", authorization=f"Bearer {token}")
    assert response.status_code == 401
    assert assert_json_error(response, "sub")["code"] == "session_revoked"


def test_both_header_types_accepted(probe: Probe, credentials: Credentials) -> None:
    for scheme in ("Bearer", "JWT"):
        response = probe("GET", "/auth/me/", authorization=f"{scheme} {credentials.pair['access']}")
        assert response.status_code == 200, response.content
        assert response.json()["id"] == credentials.user.pk


@pytest.mark.parametrize("cache_seconds", [0, 30], ids=["strict", "local-cache"])
@pytest.mark.parametrize("how", ["instance", "queryset", "raw-sql"])
def test_valid_token_of_a_deleted_user(
    how: str, cache_seconds: int, probe: Probe, credentials: Credentials, settings: Any
) -> None:
    settings.WECHAT = {
        **settings.WECHAT,
        "JWT": {**settings.WECHAT["JWT"], "SESSION_CACHE_SECONDS": cache_seconds},
    }
    # This process has seen the session: with the local cache on, it may trust that for a while.
    assert probe("GET", "/auth/me/", authorization=credentials.bearer).status_code == 200
    user_model = get_user_model()
    user = credentials.user
    if how == "instance":
        user.delete()
    elif how == "queryset":
        user_model.objects.filter(pk=user.pk).delete()
    else:
        # No ORM, no signals: the session's cached record outlives its row.
        with connection.cursor() as cursor:
            for model in (JWTSession, Identity):
                cursor.execute(f"DELETE FROM {model._meta.db_table} WHERE user_id = %s", [user.pk])
            cursor.execute(f"DELETE FROM {user_model._meta.db_table} WHERE id = %s", [user.pk])
    assert not user_model.objects.filter(pk=user.pk).exists()
    bearer = credentials.bearer
    for endpoint in ENDPOINTS:
        for path in paths(endpoint, credentials):
            for method in ("GET", "POST", "DELETE"):
                probe(method, path, b"{}", "application/json", bearer)
    for path in PROTECTED:
        method = "GET" if path.endswith(("me/", "sessions/")) else "POST"
        response = probe(method, path, b"{}", "application/json", bearer)
        assert response.status_code == 401, (path, response.content)
        assert assert_json_error(response, path)["code"] in ("session_revoked", "invalid_token")
    body = json.dumps({"refresh": credentials.pair["refresh"]})
    refresh = probe("POST", "/auth/token/refresh/", body, "application/json")
    assert refresh.status_code == 401, refresh.content
    assert assert_json_error(refresh, "refresh")["code"] == "session_revoked"
