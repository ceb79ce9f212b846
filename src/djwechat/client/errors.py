"""WeChat ``errcode`` values and the exceptions they become.

WeChat answers API errors with HTTP 200 and ``{"errcode": N, "errmsg": "..."}``; the text carries
request-id suffixes, so only ``errcode`` is compared.  Codes from the global return-code page
(developers.weixin.qq.com/doc/offiaccount/Getting_Started/Global_Return_Code.html) and the pages of
each API (code2Session, getPhoneNumber, sns/oauth2/*, message/custom/send).

This module is the one table from errcodes to :mod:`djwechat.exceptions`; the client decides what
to retry with the sets below, never by matching messages.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Final

from djwechat.exceptions import (
    AccessTokenError,
    APIError,
    APIUnauthorizedError,
    AppCredentialsError,
    CodeBlockedError,
    CodeUsedError,
    InvalidCodeError,
    InvalidRefreshTokenError,
    RateLimitedError,
    UpstreamError,
)

__all__ = [
    "BUSY_ERRCODES",
    "ERRCODE_EXCEPTIONS",
    "TOKEN_ERRCODES",
    "errcode_of",
    "error_for",
    "mask",
    "scrub",
]

#: errcode -> exception class.  Anything not listed is a plain :class:`APIError`.
ERRCODE_EXCEPTIONS: Final[Mapping[int, type[APIError]]] = {
    # Credentials of the app (cgi-bin/token, stable_token, jscode2session, sns/oauth2/*).
    40001: AppCredentialsError,  # wrong AppSecret when fetching a token; see TOKEN_ERRCODES
    40002: AppCredentialsError,  # invalid grant_type
    40013: AppCredentialsError,  # invalid appid
    40125: AppCredentialsError,  # invalid appsecret
    40164: AppCredentialsError,  # caller IP not in the whitelist
    41002: AppCredentialsError,  # appid missing
    41004: AppCredentialsError,  # secret missing
    61024: AppCredentialsError,  # third-party platform appid on the wrong token endpoint
    # Access tokens.
    40014: AccessTokenError,  # invalid access_token
    41001: AccessTokenError,  # access_token missing
    42001: AccessTokenError,  # access_token expired
    42007: AccessTokenError,  # user changed password: user-level tokens revoked
    # Codes (js_code, OAuth code, phone code): single-use and short-lived.
    40029: InvalidCodeError,  # invalid code
    41008: InvalidCodeError,  # code missing
    42003: InvalidCodeError,  # OAuth code expired
    40163: CodeUsedError,  # code been used
    40226: CodeBlockedError,  # high-risk user blocked (code2Session)
    # User-level OAuth refresh tokens.
    40030: InvalidRefreshTokenError,  # invalid refresh_token
    41003: InvalidRefreshTokenError,  # refresh_token missing
    42002: InvalidRefreshTokenError,  # refresh_token expired (30 days)
    # Quotas: never retried.
    45009: RateLimitedError,  # daily quota reached
    45011: RateLimitedError,  # per-minute frequency limit
    # Permissions.
    48001: APIUnauthorizedError,  # api unauthorized / wrong OAuth scope
    48004: APIUnauthorizedError,  # api forbidden
}

#: "System busy": retried ``CLIENT.MAX_RETRIES`` times with jittered backoff.
BUSY_ERRCODES: Final = frozenset({-1})

#: An API call refused the app's access token: refresh it once (compare-and-refresh) and retry.
#: The same set wechatpy retries on (40001 here means "invalid or not the latest token").
TOKEN_ERRCODES: Final = frozenset({40001, 40014, 42001})


def mask(value: str) -> str:
    """A secret shortened for display: its first and last 4 characters (``***`` when short)."""
    if len(value) <= 12:
        return "***"
    return f"{value[:4]}…{value[-4:]}"


def scrub(text: str, secrets: Iterable[str]) -> str:
    """``text`` with every non-empty secret replaced by ``***``."""
    for secret in secrets:
        if secret:
            text = text.replace(secret, "***")
    return text


def error_for(
    body: Mapping[str, Any],
    *,
    api: str,
    secrets: Iterable[str] = (),
    uses_access_token: bool = False,
) -> APIError | UpstreamError:
    """The exception for an answer carrying a non-zero ``errcode``.

    ``api`` names the call in the message (a path, never a URL with its query).  ``secrets`` are
    scrubbed from WeChat's ``errmsg`` before it is kept.  On a call that carried the app's access
    token, 40001 means the token was refused, so it becomes :class:`AccessTokenError` instead of
    :class:`AppCredentialsError`.  ``-1`` (still busy after the retries) becomes
    :class:`UpstreamError`.
    """
    errcode = errcode_of(body)
    errmsg = scrub(str(body.get("errmsg", "")), secrets)[:300]
    if errcode in BUSY_ERRCODES:
        return UpstreamError(f"WeChat is busy ({api}, errcode {errcode}).", errcode=errcode, api=api)
    cls: type[APIError] = ERRCODE_EXCEPTIONS.get(errcode, APIError)
    if uses_access_token and errcode in TOKEN_ERRCODES:
        cls = AccessTokenError
    return cls(f"{cls.default_message} ({api}, errcode {errcode})", errcode=errcode, errmsg=errmsg, api=api)


def errcode_of(body: Mapping[str, Any]) -> int:
    """The ``errcode`` of an answer (0 when absent; a non-numeric value counts as ``-1``)."""
    value = body.get("errcode", 0)
    if isinstance(value, bool):
        return 0
    if isinstance(value, int):
        return value
    try:
        return int(str(value))
    except ValueError:
        return -1
