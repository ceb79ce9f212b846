"""The errcode table and secret scrubbing."""

from __future__ import annotations

import pytest

from djwechat.client.errors import (
    ERRCODE_EXCEPTIONS,
    TOKEN_ERRCODES,
    errcode_of,
    error_for,
    mask,
    scrub,
)
from djwechat.exceptions import (
    AccessTokenError,
    APIError,
    APIUnauthorizedError,
    CodeBlockedError,
    CodeUsedError,
    InvalidCodeError,
    InvalidCredentialError,
    InvalidRefreshTokenError,
    RateLimitedError,
    UpstreamError,
)


@pytest.mark.parametrize(
    ("errcode", "cls"),
    [
        (40001, InvalidCredentialError),
        (40013, InvalidCredentialError),
        (40125, InvalidCredentialError),
        (40164, InvalidCredentialError),
        (40014, AccessTokenError),
        (42001, AccessTokenError),
        (41001, AccessTokenError),
        (40029, InvalidCodeError),
        (42003, InvalidCodeError),
        (40163, CodeUsedError),
        (40226, CodeBlockedError),
        (40030, InvalidRefreshTokenError),
        (42002, InvalidRefreshTokenError),
        (45009, RateLimitedError),
        (45011, RateLimitedError),
        (48001, APIUnauthorizedError),
        (45015, APIError),
        (99999, APIError),
    ],
)
def test_table(errcode: int, cls: type[APIError]) -> None:
    error = error_for({"errcode": errcode, "errmsg": "x, rid: 1"}, api="sns/jscode2session")
    assert type(error) is cls
    assert isinstance(error, APIError)
    assert error.errcode == errcode
    assert error.errmsg == "x, rid: 1"
    assert "sns/jscode2session" in error.message
    assert str(errcode) in error.message


def test_refused_app_token_is_an_access_token_error() -> None:
    assert {40001, 40014, 42001} == TOKEN_ERRCODES
    for errcode in TOKEN_ERRCODES:
        error = error_for({"errcode": errcode}, api="x", uses_access_token=True)
        assert type(error) is AccessTokenError
    # 40001 on a token fetch means a wrong AppSecret.
    assert type(error_for({"errcode": 40001}, api="cgi-bin/token")) is InvalidCredentialError


def test_busy_becomes_upstream_error() -> None:
    error = error_for({"errcode": -1, "errmsg": "system error"}, api="x")
    assert type(error) is UpstreamError
    assert error.status_code == 503


def test_rate_limit_is_429() -> None:
    assert ERRCODE_EXCEPTIONS[45011].status_code == 429


def test_secrets_are_scrubbed_from_errmsg() -> None:
    error = error_for(
        {"errcode": 40125, "errmsg": "invalid appsecret S3CRET-S3CRET"},
        api="x",
        secrets=["S3CRET-S3CRET", ""],
    )
    assert isinstance(error, APIError)
    assert "S3CRET" not in error.errmsg
    assert "S3CRET" not in str(error)


@pytest.mark.parametrize(
    ("value", "code"), [(None, 0), (0, 0), ("0", 0), ("40001", 40001), ("x", -1), (True, 0)]
)
def test_errcode_of(value: object, code: int) -> None:
    body = {} if value is None else {"errcode": value}
    assert errcode_of(body) == code


def test_mask_and_scrub() -> None:
    assert mask("short") == "***"
    assert mask("abcdefghijklmnopqrstuvwxyz") == "abcd…wxyz"
    assert scrub("a secret b", ["secret"]) == "a *** b"
