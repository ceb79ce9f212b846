"""The JWT codec under any input: claims or an InvalidTokenError (ExpiredTokenError is one),
never another exception; tokens it makes decode to their claims, tampered ones never do."""

from __future__ import annotations

import importlib
import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from djwechat.exceptions import InvalidTokenError
from djwechat.jwt import session_tokens as tokens
from tests.properties.conftest import PROPERTIES

# PyJWT's JWS layer, imported by name: tests/jwt makes `import jwt` sort differently by checkout.
jws = importlib.import_module("jwt.api_jws")

json_scalars = (
    st.none()
    | st.booleans()
    | st.integers(-(2**70), 2**70)
    | st.floats(allow_nan=False)
    | st.text(max_size=30)
)
json_values = st.recursive(
    json_scalars,
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3)
    ),
    max_leaves=8,
)
claim_names = st.sampled_from(["sub", "sid", "jti", "iat", "exp", "nbf", "typ", "iss", "aud"]) | st.text(
    max_size=8
)


@pytest.fixture(autouse=True)
def _fresh_keys() -> None:
    tokens._forget_keys()


def _decode(token: Any, kind: str) -> dict[str, Any] | None:
    try:
        claims = tokens.decode(token, kind)  # type: ignore[arg-type]
    except InvalidTokenError:
        return None
    assert isinstance(claims, dict)
    assert claims["typ"] == kind
    return claims


@PROPERTIES
@given(token=st.text(max_size=500) | st.binary(max_size=100) | st.none() | st.integers())
def test_any_string(token: Any) -> None:
    assert _decode(token, "access") is None


@PROPERTIES
@given(
    claims=st.dictionaries(claim_names, json_values, max_size=8), kind=st.sampled_from(["access", "refresh"])
)
def test_any_claims_signed_with_the_right_key(claims: dict[str, Any], kind: str) -> None:
    """The signature is good (a key leaked, or a bug signed junk): the claims themselves are hostile.

    Signed as raw JWS, since PyJWT's own encoder refuses some of these claims."""
    keys = tokens._keys()
    payload = json.dumps(claims).encode()
    _decode(jws.encode(payload, keys.signing, algorithm=keys.algorithm), kind)


@PROPERTIES
@given(user_id=st.integers(1, 2**40), session_key=st.text(min_size=8, max_size=40))
def test_an_access_token_decodes_to_its_claims(user_id: int, session_key: str) -> None:
    token = tokens.make_access_token({"sub": str(user_id)}, session_key=session_key)
    claims = _decode(token, "access")
    assert claims is not None
    assert (claims["sub"], claims["sid"]) == (str(user_id), session_key)
    assert _decode(token, "refresh") is None


@PROPERTIES
@given(position=st.integers(0, 10_000), replacement=st.sampled_from("AQgw_-xyz0189"))
def test_a_tampered_token_is_refused(position: int, replacement: str) -> None:
    token = tokens.make_refresh_token({"sub": "7"}, session_key="s" * 32, refresh_id="r" * 22)
    index = position % len(token)
    tampered = token[:index] + replacement + token[index + 1 :]
    claims = _decode(tampered, "refresh")
    if claims is not None:
        # base64url's last character carries spare bits: a change there may decode the same.
        assert tampered == token or claims == _decode(token, "refresh")
