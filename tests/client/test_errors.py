"""The errcode table and secret scrubbing."""

from __future__ import annotations

import re
from pathlib import Path

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
    AppCredentialsError,
    CodeBlockedError,
    InvalidCodeError,
    InvalidRefreshTokenError,
    RateLimitedError,
    UpstreamError,
)


@pytest.mark.parametrize("errcode", sorted(ERRCODE_EXCEPTIONS))
def test_every_listed_errcode_raises_its_class_with_the_details(errcode: int) -> None:
    error = error_for({"errcode": errcode, "errmsg": "x, rid: 1"}, api="sns/jscode2session")
    assert type(error) is ERRCODE_EXCEPTIONS[errcode]
    assert error.errcode == errcode
    assert error.errmsg == "x, rid: 1"
    assert "sns/jscode2session" in error.message
    assert str(errcode) in error.message
    assert "rid" not in error.message


@pytest.mark.parametrize("errcode", [45015, 40003, 99999])
def test_an_unlisted_errcode_is_a_plain_api_error(errcode: int) -> None:
    assert errcode not in ERRCODE_EXCEPTIONS
    assert type(error_for({"errcode": errcode}, api="x")) is APIError


def test_what_the_caller_can_fix_is_4xx_and_what_we_must_fix_is_5xx() -> None:
    """A user's code or a quota is the client's to retry (4xx); a refused app is ours (502)."""
    for errcode, cls in ERRCODE_EXCEPTIONS.items():
        if issubclass(cls, InvalidCodeError | InvalidRefreshTokenError | RateLimitedError | CodeBlockedError):
            assert 400 <= cls.status_code < 500, errcode
        else:
            assert issubclass(cls, AppCredentialsError | AccessTokenError | APIUnauthorizedError), errcode
            assert cls.status_code == 502, errcode


def test_the_documented_table_is_the_table() -> None:
    """docs/client.md lists each errcode with the class it raises, and nothing else."""
    text = (Path(__file__).parents[2] / "docs" / "client.md").read_text()
    documented: dict[int, str] = {}
    for row in re.findall(r"^\| ([-\d, ]+?)(?: \(.*?\))? \| `(\w+)` \|", text, re.MULTILINE):
        for errcode in row[0].split(","):
            documented[int(errcode)] = row[1]
    assert documented == {code: cls.__name__ for code, cls in ERRCODE_EXCEPTIONS.items()}


def test_refused_app_token_is_an_access_token_error() -> None:
    assert {40001, 40014, 42001} == TOKEN_ERRCODES
    for errcode in TOKEN_ERRCODES:
        error = error_for({"errcode": errcode}, api="x", uses_access_token=True)
        assert type(error) is AccessTokenError
    # 40001 on a token fetch means a wrong AppSecret.
    assert type(error_for({"errcode": 40001}, api="cgi-bin/token")) is AppCredentialsError


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
