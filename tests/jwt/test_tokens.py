"""Token signing and verification, including hostile tokens: every bad token is a 401 JSON answer."""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from django.conf import settings
from django.test import override_settings

from djwechat.exceptions import ExpiredTokenError, InvalidTokenError
from djwechat.jwt import session_tokens as tokens
from tests.jwt.conftest import API, error_code
from tests.jwt.conftest import assert_refused as refused

pytestmark = [pytest.mark.urls("tests.jwt.views"), pytest.mark.django_db]

SIGNING_KEY = settings.WECHAT["JWT"]["SIGNING_KEY"]


def jwt_settings(**jwt_overrides: Any) -> override_settings:
    return override_settings(WECHAT={**settings.WECHAT, "JWT": {**settings.WECHAT["JWT"], **jwt_overrides}})


def claims_of(token: str) -> dict[str, Any]:
    return jwt.decode(token, options={"verify_signature": False})


def forge(claims: dict[str, Any], key: Any = SIGNING_KEY, algorithm: str = "HS256", **headers: Any) -> str:
    return jwt.encode(claims, key, algorithm=algorithm, headers=headers or None)


def b64(data: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def pem_pair(kind: str) -> tuple[str, str]:
    private = (
        rsa.generate_private_key(65537, 2048) if kind == "RS256" else ec.generate_private_key(ec.SECP256R1())
    )
    private_pem = private.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    public_pem = (
        private.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    return private_pem, public_pem


@pytest.fixture
def pair(issue: Callable[..., dict[str, Any]]) -> dict[str, Any]:
    return issue()


def assert_refused(api: API, token: str, code: str = "invalid_token") -> None:
    for path in ("/t/protected/", "/t/drf/", "/auth/me/"):
        response = api.get(path, token)
        refused(response, code)
        assert response["WWW-Authenticate"].startswith("Bearer"), path


# --------------------------------------------------------------------------- shape


def test_access_and_refresh_claims(pair: dict[str, Any], user: Any) -> None:
    access, refresh = claims_of(pair["access"]), claims_of(pair["refresh"])
    assert access["typ"] == "access"
    assert refresh["typ"] == "refresh"
    assert access["sub"] == refresh["sub"] == str(user.pk)
    assert access["sid"] == refresh["sid"]
    assert access["jti"] != refresh["jti"]
    assert access["exp"] - access["iat"] == 15 * 60
    assert refresh["exp"] - refresh["iat"] == 30 * 24 * 3600
    assert jwt.get_unverified_header(pair["access"])["alg"] == "HS256"
    assert pair["token_type"] == "Bearer"
    assert pair["expires_in"] == 900


def test_signing_key_is_not_secret_key(pair: dict[str, Any]) -> None:
    jwt.decode(pair["access"], SIGNING_KEY, algorithms=["HS256"])
    with pytest.raises(jwt.InvalidSignatureError):
        jwt.decode(pair["access"], settings.SECRET_KEY, algorithms=["HS256"])


def test_secret_key_signs_when_no_signing_key(api: API, issue: Callable[..., dict[str, Any]]) -> None:
    with jwt_settings(SIGNING_KEY=None):
        token = issue()["access"]
        jwt.decode(token, settings.SECRET_KEY, algorithms=["HS256"])
        assert api.get("/t/protected/", token).status_code == 200


def test_issuer_and_audience(api: API, issue: Callable[..., dict[str, Any]], pair: dict[str, Any]) -> None:
    with jwt_settings(ISSUER="https://api.example.com", AUDIENCE="miniprogram"):
        token = issue()["access"]
        assert claims_of(token)["iss"] == "https://api.example.com"
        assert claims_of(token)["aud"] == "miniprogram"
        assert api.get("/t/protected/", token).status_code == 200
        # A token without iss/aud (issued before they were configured) is refused.
        assert_refused(api, pair["access"])
        wrong = {**claims_of(token), "aud": "website"}
        assert_refused(api, forge(wrong))
    # ... and a token naming an audience is refused where none is configured.
    assert_refused(api, token)


# --------------------------------------------------------------------------- hostile tokens


def test_alg_none_is_refused(api: API, pair: dict[str, Any]) -> None:
    claims = claims_of(pair["access"])
    unsigned = f"{b64({'alg': 'none', 'typ': 'JWT'})}.{b64(claims)}."
    assert_refused(api, unsigned)
    assert_refused(api, unsigned[:-1])


@pytest.mark.filterwarnings("ignore::jwt.warnings.InsecureKeyLengthWarning")
def test_other_algorithm_with_the_same_secret_is_refused(api: API, pair: dict[str, Any]) -> None:
    assert_refused(api, forge(claims_of(pair["access"]), algorithm="HS512"))


def test_wrong_key_is_refused(api: API, pair: dict[str, Any]) -> None:
    assert_refused(api, forge(claims_of(pair["access"]), key="another-key-0123456789abcdef0123456789"))


@pytest.mark.parametrize("part", [0, 1, 2])
def test_flipped_byte_is_refused(api: API, pair: dict[str, Any], part: int) -> None:
    pieces = pair["access"].split(".")
    piece = pieces[part]
    middle = len(piece) // 2
    pieces[part] = piece[:middle] + ("A" if piece[middle] != "A" else "B") + piece[middle + 1 :]
    assert_refused(api, ".".join(pieces))


def test_refresh_token_is_not_an_access_token(api: API, pair: dict[str, Any]) -> None:
    assert_refused(api, pair["refresh"])


def test_access_token_is_not_a_refresh_token(api: API, pair: dict[str, Any]) -> None:
    response = api.post("/auth/token/refresh/", {"refresh": pair["access"]})
    assert response.status_code == 401
    assert error_code(response) == "invalid_token"


def test_expired_token(api: API, pair: dict[str, Any]) -> None:
    now = int(time.time())
    expired = forge({**claims_of(pair["access"]), "iat": now - 1000, "exp": now - 10})
    assert_refused(api, expired, "token_expired")
    assert api.get("/t/drf/", expired).json() == {"detail": "The token has expired."}


def test_leeway_accepts_slightly_expired_tokens(api: API, pair: dict[str, Any]) -> None:
    now = int(time.time())
    expired = forge({**claims_of(pair["access"]), "iat": now - 1000, "exp": now - 10})
    with jwt_settings(LEEWAY=timedelta(seconds=60)):
        assert api.get("/t/protected/", expired).status_code == 200


@pytest.mark.parametrize("claim", ["iat", "nbf"])
def test_token_from_the_future_is_refused(api: API, pair: dict[str, Any], claim: str) -> None:
    future = int(time.time()) + 3600
    assert_refused(api, forge({**claims_of(pair["access"]), claim: future}))


@pytest.mark.parametrize("claim", ["sub", "sid", "jti", "iat", "exp", "typ"])
def test_missing_claim_is_refused(api: API, pair: dict[str, Any], claim: str) -> None:
    claims = claims_of(pair["access"])
    del claims[claim]
    assert_refused(api, forge(claims))


@pytest.mark.parametrize(
    ("claim", "value"),
    [
        ("sid", 12345),
        ("sid", "short"),
        ("sid", "x" * 41),
        ("jti", ""),
        ("sub", ""),
        ("sub", 7),
        ("exp", "soon"),
    ],
)
def test_malformed_claim_is_refused(api: API, pair: dict[str, Any], claim: str, value: Any) -> None:
    assert_refused(api, forge({**claims_of(pair["access"]), claim: value}))


def test_unknown_session_is_revoked(api: API, pair: dict[str, Any]) -> None:
    assert_refused(api, forge({**claims_of(pair["access"]), "sid": "x" * 32}), "session_revoked")


@pytest.mark.parametrize(
    "header",
    [
        "Bearer",
        "Bearer ",
        "Bearer a b",
        "Bearer not-a-jwt",
        "Bearer a.b.c",
        "Bearer ....",
        "Bearer eyJhbGciOiJIUzI1NiJ9.e30.",
        "Bearer " + "A" * 5000,
        "Bearer \u00e9\u00e8\u00ff.\u00e9.\u00e9",
        "JWT %00%ff",
    ],
)
def test_garbage_headers_are_refused(api: API, header: str) -> None:
    for path in ("/t/protected/", "/t/drf/", "/auth/me/"):
        refused(api.get(path, header=header), "invalid_token")


def test_other_schemes_are_not_ours(api: API) -> None:
    response = api.get("/t/whoami/", header="Basic dXNlcjpwYXNz")
    assert response.json()["pk"] is None
    assert response.json()["error"] is None
    response = api.get("/t/protected/", header="Basic dXNlcjpwYXNz")
    assert response.status_code == 401
    assert error_code(response) == "not_authenticated"


def test_decode_rejects_non_strings() -> None:
    for value in (None, b"abc", 12, ""):
        with pytest.raises(InvalidTokenError):
            tokens.decode(value, "access")  # type: ignore[arg-type]


# --------------------------------------------------------------------------- keys


def test_key_rotation_old_keys_still_verify(api: API, issue: Callable[..., dict[str, Any]]) -> None:
    old_key = "old-signing-key-0123456789abcdef0123456789"
    with jwt_settings(SIGNING_KEY=old_key):
        old_token = issue()["access"]
    new_key = "new-signing-key-0123456789abcdef0123456789"
    with jwt_settings(SIGNING_KEY=new_key, VERIFYING_KEYS=[old_key]):
        assert api.get("/t/protected/", old_token).status_code == 200
        new_token = issue()["access"]
        jwt.decode(new_token, new_key, algorithms=["HS256"])
    with jwt_settings(SIGNING_KEY=new_key):
        assert_refused(api, old_token)
        assert api.get("/t/protected/", new_token).status_code == 200


@pytest.mark.parametrize("algorithm", ["RS256", "ES256"])
def test_asymmetric_keys(api: API, issue: Callable[..., dict[str, Any]], algorithm: str) -> None:
    private_pem, public_pem = pem_pair(algorithm)
    with jwt_settings(ALGORITHM=algorithm, SIGNING_KEY=private_pem):
        pair = issue()
        assert jwt.get_unverified_header(pair["access"])["alg"] == algorithm
        jwt.decode(pair["access"], public_pem, algorithms=[algorithm])
        assert api.get("/t/protected/", pair["access"]).status_code == 200
        assert api.post("/auth/token/refresh/", {"refresh": pair["refresh"]}).status_code == 200
        # An HMAC token signed with the public key (the classic algorithm-confusion attack).
        confused = f"{b64({'alg': 'HS256', 'typ': 'JWT'})}.{b64(claims_of(pair['access']))}"
        import hashlib
        import hmac

        signature = hmac.new(public_pem.encode(), confused.encode(), hashlib.sha256).digest()
        confused += "." + base64.urlsafe_b64encode(signature).rstrip(b"=").decode()
        assert_refused(api, confused)
    # Rotation to a new key pair: the old public key keeps verifying the old tokens.
    new_private, _ = pem_pair(algorithm)
    with jwt_settings(ALGORITHM=algorithm, SIGNING_KEY=new_private, VERIFYING_KEYS=[public_pem]):
        assert api.get("/t/protected/", pair["access"]).status_code == 200
    with jwt_settings(ALGORITHM=algorithm, SIGNING_KEY=new_private):
        assert_refused(api, pair["access"])


def test_decode_errors_are_typed(pair: dict[str, Any]) -> None:
    now = int(time.time())
    with pytest.raises(ExpiredTokenError):
        tokens.decode(forge({**claims_of(pair["access"]), "exp": now - 5}), "access")
    with pytest.raises(InvalidTokenError):
        tokens.decode(pair["access"], "refresh")
    assert tokens.decode(pair["refresh"], "refresh")["typ"] == "refresh"


def test_a_token_verified_before_still_expires(api: API, pair: dict[str, Any]) -> None:
    now = int(time.time())
    soon = forge({**claims_of(pair["access"]), "iat": now - 10, "exp": now + 2})
    assert api.get("/t/protected/", soon).status_code == 200  # verified once, remembered
    assert tokens.decode(soon, "access")["exp"] == now + 2
    time.sleep(max(0.0, now + 2 - time.time()) + 0.1)
    assert_refused(api, soon, "token_expired")


def test_a_verified_token_is_not_the_other_kind(pair: dict[str, Any]) -> None:
    tokens.decode(pair["access"], "access")
    with pytest.raises(InvalidTokenError, match="not a refresh token"):
        tokens.decode(pair["access"], "refresh")


def test_a_key_rotation_forgets_verified_tokens(api: API, pair: dict[str, Any]) -> None:
    assert api.get("/t/protected/", pair["access"]).status_code == 200
    # The key that signed it is no longer configured: the remembered verification goes with it.
    with jwt_settings(SIGNING_KEY="another-signing-key-0123456789abcdef-xyz"):
        assert_refused(api, pair["access"])


def test_decoded_claims_are_the_callers_to_change(pair: dict[str, Any]) -> None:
    tokens.decode(pair["access"], "access")["sub"] = "someone else"
    assert tokens.decode(pair["access"], "access")["sub"] != "someone else"
