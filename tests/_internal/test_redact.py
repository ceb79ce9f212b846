"""Secrets in request URLs never reach log output."""

from __future__ import annotations

import logging

import pytest

from djwechat._internal.redact import install_redaction, redact


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "GET http://h/sns/jscode2session?appid=wx1&secret=abc123&js_code=0a1&grant_type=authorization_code",
            "GET http://h/sns/jscode2session?appid=wx1&secret=***&js_code=***&grant_type=authorization_code",
        ),
        (
            "POST /cgi-bin/message/custom/send?access_token=TOKEN-1 200",
            "POST /cgi-bin/message/custom/send?access_token=*** 200",
        ),
        ('"url": "x?refresh_token=r.t&openid=o"', '"url": "x?refresh_token=***&openid=o"'),
        (
            "GET http://h/sns/oauth2/access_token?appid=wx1&secret=s&code=0c1&grant_type=authorization_code",
            "GET http://h/sns/oauth2/access_token?appid=wx1&secret=***&code=***&grant_type=authorization_code",
        ),
        ("errcode=40029 and qrcode=kept", "errcode=40029 and qrcode=kept"),
        ("nothing secret here: appid=wx1&openid=o", "nothing secret here: appid=wx1&openid=o"),
        ("a_secret=kept because the key differs", "a_secret=kept because the key differs"),
    ],
)
def test_redact(text: str, expected: str) -> None:
    assert redact(text) == expected


def test_installed_filter_redacts_formatted_records(caplog: pytest.LogCaptureFixture) -> None:
    install_redaction("tests.redaction")
    install_redaction("tests.redaction")  # idempotent
    log = logging.getLogger("tests.redaction")
    assert len(log.filters) == 1
    with caplog.at_level(logging.INFO, logger="tests.redaction"):
        log.info(
            'HTTP Request: %s %s "%s"', "GET", "https://api/cgi-bin/token?appid=a&secret=s3cr3t", "200 OK"
        )
    assert "s3cr3t" not in caplog.text
    assert "secret=***" in caplog.text
