"""Typed answers of the WeChat APIs the client calls.

Each type keeps the whole answer in ``raw`` (fields WeChat adds later stay reachable) and is built
by a ``from_json`` that checks the fields we rely on; a missing one raises :class:`UpstreamError`
(WeChat broke its own contract, nothing the caller did).  Secrets (``session_key``, tokens) are
left out of ``repr`` so they do not end up in logs or tracebacks.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from djwechat.exceptions import UpstreamError

__all__ = ["AccessToken", "Code2Session", "OAuthToken", "OAuthUserInfo", "PhoneInfo"]


def _required_str(body: Mapping[str, Any], key: str, api: str) -> str:
    value = body.get(key)
    if not isinstance(value, str) or not value:
        raise UpstreamError(f"WeChat answered {api} without {key}.", api=api)
    return value


def _optional_str(body: Mapping[str, Any], key: str) -> str | None:
    value = body.get(key)
    return value if isinstance(value, str) and value else None


def _int(value: Any, default: int = 0) -> int:
    """WeChat documents numbers but some answers send strings (``"sex": "1"``): accept both."""
    if isinstance(value, bool):
        return default
    if isinstance(value, int):
        return value
    try:
        return int(str(value))
    except ValueError:
        return default


@dataclass(frozen=True, slots=True)
class AccessToken:
    """An app-level access token as fetched (``cgi-bin/token`` or ``cgi-bin/stable_token``)."""

    token: str = field(repr=False)
    expires_in: int

    @classmethod
    def from_json(cls, body: Mapping[str, Any], *, api: str) -> AccessToken:
        """Parse a token answer; :class:`UpstreamError` without ``access_token`` or a positive lifetime."""
        expires_in = _int(body.get("expires_in"))
        if expires_in <= 0:
            raise UpstreamError(f"WeChat answered {api} without a valid expires_in.", api=api)
        return cls(token=_required_str(body, "access_token", api), expires_in=expires_in)


@dataclass(frozen=True, slots=True)
class Code2Session:
    """The answer of ``sns/jscode2session``: who logged in, and their ``session_key``."""

    openid: str
    session_key: str = field(repr=False)
    unionid: str | None = None
    raw: dict[str, Any] = field(default_factory=dict, repr=False)

    @classmethod
    def from_json(cls, body: Mapping[str, Any]) -> Code2Session:
        """Parse the answer; :class:`UpstreamError` without ``openid`` or ``session_key``."""
        api = "sns/jscode2session"
        return cls(
            openid=_required_str(body, "openid", api),
            session_key=_required_str(body, "session_key", api),
            unionid=_optional_str(body, "unionid"),
            raw=dict(body),
        )


@dataclass(frozen=True, slots=True)
class PhoneInfo:
    """A user's phone number (``wxa/business/getuserphonenumber`` or decrypted open data).

    ``phone_number`` carries the country prefix for numbers outside mainland China,
    ``pure_phone_number`` never does; ``country_code`` is text (WeChat sends a number or a string).
    """

    phone_number: str
    pure_phone_number: str
    country_code: str
    raw: dict[str, Any] = field(default_factory=dict, repr=False)

    @classmethod
    def from_json(cls, info: Mapping[str, Any], *, api: str = "wxa/business/getuserphonenumber") -> PhoneInfo:
        """Parse a ``phone_info`` object (or decrypted phone data); :class:`UpstreamError` without a number."""
        phone = _required_str(info, "phoneNumber", api)
        country = info.get("countryCode")
        return cls(
            phone_number=phone,
            pure_phone_number=_optional_str(info, "purePhoneNumber") or phone,
            country_code="" if country is None or isinstance(country, bool) else str(country),
            raw=dict(info),
        )


@dataclass(frozen=True, slots=True)
class OAuthToken:
    """A user-level OAuth token (``sns/oauth2/access_token`` and ``sns/oauth2/refresh_token``).

    ``is_snapshot_user`` is WeChat's ``is_snapshotuser: 1``: an Official Account page opened in a
    Moments snapshot (朋友圈快照页), whose openid is a stand-in, not the visitor's
    (doc/service/api/webdev/access/api_snsaccesstoken).
    """

    access_token: str = field(repr=False)
    expires_in: int
    refresh_token: str = field(repr=False)
    openid: str
    scope: str
    unionid: str | None = None
    is_snapshot_user: bool = False
    raw: dict[str, Any] = field(default_factory=dict, repr=False)

    @property
    def scopes(self) -> frozenset[str]:
        """The granted scopes (WeChat separates several with commas)."""
        return frozenset(part.strip() for part in self.scope.split(",") if part.strip())

    @classmethod
    def from_json(cls, body: Mapping[str, Any], *, api: str) -> OAuthToken:
        """Parse the answer; :class:`UpstreamError` without the token, refresh token or openid."""
        return cls(
            access_token=_required_str(body, "access_token", api),
            expires_in=_int(body.get("expires_in"), 7200),
            refresh_token=_required_str(body, "refresh_token", api),
            openid=_required_str(body, "openid", api),
            scope=str(body.get("scope") or ""),
            unionid=_optional_str(body, "unionid"),
            is_snapshot_user=_int(body.get("is_snapshotuser")) == 1,
            raw=dict(body),
        )


@dataclass(frozen=True, slots=True)
class OAuthUserInfo:
    """A user's public profile (``sns/userinfo``).

    Since 2021 WeChat answers ``sex`` 0 and empty regions for everyone; the fields stay for
    compatibility.  ``sex`` is 1 (male), 2 (female) or 0 (unknown).
    """

    openid: str
    nickname: str
    sex: int
    headimgurl: str
    unionid: str | None = None
    raw: dict[str, Any] = field(default_factory=dict, repr=False)

    @classmethod
    def from_json(cls, body: Mapping[str, Any]) -> OAuthUserInfo:
        """Parse the answer; :class:`UpstreamError` without ``openid``."""
        sex = _int(body.get("sex"))
        return cls(
            openid=_required_str(body, "openid", "sns/userinfo"),
            nickname=str(body.get("nickname") or ""),
            sex=sex if sex in (0, 1, 2) else 0,
            headimgurl=str(body.get("headimgurl") or ""),
            unionid=_optional_str(body, "unionid"),
            raw=dict(body),
        )
