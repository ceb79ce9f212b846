"""The client address behind zero, one or several trusted reverse proxies."""

from __future__ import annotations

from typing import Any

import pytest
from django.conf import settings
from django.test import RequestFactory, override_settings
from rest_framework.request import Request

from djwechat._internal.client_ip import client_ip


def behind(proxies: int) -> override_settings:
    return override_settings(WECHAT={**settings.WECHAT, "TRUSTED_PROXIES": proxies})


def request(remote_addr: str | None = "10.0.0.2", forwarded: str | None = None) -> Any:
    meta: dict[str, str] = {}
    if forwarded is not None:
        meta["HTTP_X_FORWARDED_FOR"] = forwarded
    made = RequestFactory().get("/", **meta)
    if remote_addr is None:
        del made.META["REMOTE_ADDR"]
    else:
        made.META["REMOTE_ADDR"] = remote_addr
    return made


def test_without_proxies_the_forwarded_header_is_ignored() -> None:
    assert client_ip(request("203.0.113.7", forwarded="198.51.100.1")) == "203.0.113.7"


@pytest.mark.parametrize(
    ("proxies", "forwarded", "expected"),
    [
        # One proxy appends the address it saw: the last entry.
        (1, "203.0.113.7", "203.0.113.7"),
        # The client sent its own header first: only what the proxy appended counts.
        (1, "1.2.3.4, 203.0.113.7", "203.0.113.7"),
        # Two proxies: the second appended the first one's address.
        (2, "1.2.3.4, 203.0.113.7, 10.0.0.1", "203.0.113.7"),
        (2, " 203.0.113.7 ,10.0.0.1 ", "203.0.113.7"),
        # Fewer entries than proxies: the request skipped part of the chain.
        (3, "203.0.113.7, 10.0.0.1", "203.0.113.7"),
        # Canonical form, so one address is one throttle bucket.
        (1, "2001:DB8:0:0::1", "2001:db8::1"),
    ],
)
def test_behind_proxies_the_entry_they_appended_is_the_client(
    proxies: int, forwarded: str, expected: str
) -> None:
    with behind(proxies):
        assert client_ip(request(forwarded=forwarded)) == expected


def test_behind_proxies_without_the_header_remote_addr_is_used() -> None:
    with behind(1):
        assert client_ip(request("203.0.113.7")) == "203.0.113.7"
        assert client_ip(request("203.0.113.7", forwarded=" , ")) == "203.0.113.7"


@pytest.mark.parametrize("bad", ["not-an-ip", "203.0.113.7:443", "unknown", "\x00", "1" * 5000, ""])
def test_invalid_addresses_are_none(bad: str) -> None:
    assert client_ip(request(bad)) is None
    with behind(1):
        # An empty header counts as absent; any other invalid entry is no address at all.
        assert client_ip(request(forwarded=bad)) == ("10.0.0.2" if bad == "" else None)


def test_missing_remote_addr_is_none() -> None:
    assert client_ip(request(None)) is None


def test_drf_requests_are_unwrapped() -> None:
    with behind(1):
        assert client_ip(Request(request(forwarded="203.0.113.7"))) == "203.0.113.7"


def test_the_setting_is_validated() -> None:
    from djwechat.conf import parse_settings

    _, problems = parse_settings({"APPS": {}, "TRUSTED_PROXIES": -1})
    assert [problem.id for problem in problems] == ["djwechat.E003"]
    parsed, problems = parse_settings({"APPS": {}, "TRUSTED_PROXIES": 2})
    assert problems == []
    assert parsed.trusted_proxies == 2
