"""Signing and verifying the two kinds of session tokens.

Access token claims: the ``USER_TO_PAYLOAD`` claims (at least ``sub``), ``EXTRA_CLAIMS``,
``sid`` (the session key), ``jti``, ``iat``, ``exp``, ``typ="access"`` and ``iss``/``aud``
when configured.  A refresh token carries the same identity claims, ``sid``, its own ``jti``
(the session's current refresh id) and ``typ="refresh"``.

Verification pins the algorithm (``JWT.ALGORITHM``; a token announcing ``none`` or another
algorithm is refused before any key is tried), requires every claim above, checks ``typ`` so
neither kind can stand in for the other, and accepts the signing key plus ``VERIFYING_KEYS``
(old HMAC secrets or public keys still valid during a key rotation).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any, Final, Literal

import jwt
from django.conf import settings as django_settings
from jwt.types import Options

from djwechat._internal import clock
from djwechat.conf import JWTSettings, get_settings, on_settings_reset
from djwechat.exceptions import ExpiredTokenError, InvalidTokenError

TokenType = Literal["access", "refresh"]

#: Claims every token must carry; anything else a hook adds is extra.
REQUIRED_CLAIMS: Final = ("sub", "sid", "jti", "iat", "exp", "typ")
#: Claims that hooks cannot override.
RESERVED_CLAIMS: Final = frozenset({*REQUIRED_CLAIMS, "iss", "aud", "nbf"})
#: Longest session key / token id accepted in a claim (the model's column widths).
_MAX_SID: Final = 40
_MAX_JTI: Final = 64


@dataclass(frozen=True, slots=True)
class _Keys:
    algorithm: str
    signing: Any
    verifying: tuple[Any, ...]


_keys_cache: _Keys | None = None


@on_settings_reset
def _forget_keys() -> None:
    global _keys_cache
    _keys_cache = None


def _keys() -> _Keys:
    """Parsed keys, built once per settings (PEM parsing is far too slow for every request)."""
    global _keys_cache
    keys = _keys_cache
    if keys is None:
        conf = get_settings().jwt
        algorithm = jwt.get_algorithm_by_name(conf.algorithm)
        if conf.algorithm.startswith("HS"):
            signing = algorithm.prepare_key(conf.signing_key or django_settings.SECRET_KEY)
            verifying = (signing,)
        else:
            # SIGNING_KEY is the PEM private key; its public half verifies what we sign.
            signing = algorithm.prepare_key(conf.signing_key or "")
            verifying = (signing.public_key(),)
        verifying += tuple(algorithm.prepare_key(key) for key in conf.verifying_keys)
        keys = _keys_cache = _Keys(conf.algorithm, signing, verifying)
    return keys


def new_token_id() -> str:
    """A fresh, unguessable ``jti``."""
    return uuid.uuid4().hex


def _standard_claims(conf: JWTSettings) -> dict[str, Any]:
    claims: dict[str, Any] = {}
    if conf.issuer:
        claims["iss"] = conf.issuer
    if conf.audience:
        claims["aud"] = conf.audience
    return claims


def encode(claims: dict[str, Any]) -> str:
    """Sign ``claims`` with the current signing key and algorithm (no validation)."""
    keys = _keys()
    return jwt.encode(claims, keys.signing, algorithm=keys.algorithm)


def make_access_token(
    identity: dict[str, Any], *, session_key: str, extra: dict[str, Any] | None = None
) -> str:
    """A signed access token for ``session_key``; ``identity`` comes from ``USER_TO_PAYLOAD``."""
    conf = get_settings().jwt
    now = int(clock.now())
    claims = {k: v for k, v in (extra or {}).items() if k not in RESERVED_CLAIMS}
    claims.update(identity)
    claims.update(
        sid=session_key,
        jti=new_token_id(),
        iat=now,
        exp=now + int(conf.access_token_lifetime.total_seconds()),
        typ="access",
        **_standard_claims(conf),
    )
    return encode(claims)


def make_refresh_token(identity: dict[str, Any], *, session_key: str, refresh_id: str) -> str:
    """A signed refresh token for ``session_key`` whose ``jti`` is the session's current refresh id."""
    conf = get_settings().jwt
    now = int(clock.now())
    claims = dict(identity)
    claims.update(
        sid=session_key,
        jti=refresh_id,
        iat=now,
        exp=now + int(conf.refresh_token_lifetime.total_seconds()),
        typ="refresh",
        **_standard_claims(conf),
    )
    return encode(claims)


#: Upper bound of the per-process cache of verified tokens (entries); it is emptied when full.
VERIFIED_CACHE_SIZE: Final = 10_000
#: ``token -> (exp, typ, claims)`` of access tokens this process verified (see :func:`decode`).
_verified: dict[str, tuple[float, str, dict[str, Any]]] = {}


@on_settings_reset
def _forget_verified() -> None:
    _verified.clear()


def decode(token: str, expected: TokenType) -> dict[str, Any]:
    """Verify ``token`` and return its claims (a fresh dict, the caller's to change).

    A token this process verified before is not verified again: the signature, the claims and
    ``iat``/``nbf`` cannot have changed, so only its expiry is checked (a settings change,
    such as a key rotation, forgets every verified token).  Whether its session still lives
    is not a property of the token and is checked on every request elsewhere.

    Raises :class:`ExpiredTokenError` for a well-signed token past ``exp`` and
    :class:`InvalidTokenError` for everything else: bad encoding, another algorithm, a signature
    no configured key verifies, a missing or malformed claim, ``iat``/``nbf`` in the future
    (beyond ``JWT.LEEWAY``), the wrong ``iss``/``aud``, or the other token type.
    """
    conf = get_settings().jwt
    hit = _verified.get(token) if isinstance(token, str) else None
    if hit is not None:
        exp, typ, known = hit
        if typ != expected:
            _check_claims(known, expected)  # raises, with the same message as a first decode
        if exp <= clock.now() - conf.leeway.total_seconds():
            raise ExpiredTokenError()
        return dict(known)
    if not isinstance(token, str) or not token or len(token) > conf.max_header_length:
        raise InvalidTokenError()
    claims = _verify(token, expected, conf)
    if expected == "access":  # presented on every request; a refresh token once per rotation
        if len(_verified) >= VERIFIED_CACHE_SIZE:
            _verified.clear()
        _verified[token] = (float(claims["exp"]), expected, dict(claims))
    return claims


def _verify(token: str, expected: TokenType, conf: JWTSettings) -> dict[str, Any]:
    keys = _keys()
    required = list(REQUIRED_CLAIMS)
    if conf.issuer:
        required.append("iss")
    if conf.audience:
        required.append("aud")
    options: Options = {"require": required}
    for key in keys.verifying:
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                key,
                algorithms=[keys.algorithm],
                options=options,
                leeway=conf.leeway,
                issuer=conf.issuer,
                audience=conf.audience,
            )
        except jwt.InvalidSignatureError:
            continue  # maybe signed with an older key
        except jwt.ExpiredSignatureError as exc:
            raise ExpiredTokenError() from exc
        except (jwt.PyJWTError, ValueError, TypeError, UnicodeError) as exc:
            raise InvalidTokenError() from exc
        break
    else:
        raise InvalidTokenError()
    _check_claims(claims, expected)
    return claims


def _check_claims(claims: dict[str, Any], expected: TokenType) -> None:
    if claims.get("typ") != expected:
        raise InvalidTokenError(
            "This is not an access token." if expected == "access" else "This is not a refresh token."
        )
    sid, jti, sub = claims.get("sid"), claims.get("jti"), claims.get("sub")
    if not (isinstance(sid, str) and 8 <= len(sid) <= _MAX_SID):
        raise InvalidTokenError()
    if not (isinstance(jti, str) and 0 < len(jti) <= _MAX_JTI):
        raise InvalidTokenError()
    if not (isinstance(sub, str) and sub):
        raise InvalidTokenError()
