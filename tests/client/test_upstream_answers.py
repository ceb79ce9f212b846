"""How the client copes with a broken upstream: answers WeChat should never give, dropped
connections, timeouts, "system busy".

The simulator covers WeChat's documented behaviour (see ``test_client_simulator.py``); here an
``httpx.MockTransport`` plays a misbehaving upstream (or proxy) so each failure can be counted
request by request.  Every test runs against WeChatClient and AsyncWeChatClient.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from djwechat.exceptions import (
    AccessTokenError,
    CodeUsedError,
    RateLimitedError,
    UpstreamError,
    UpstreamTimeoutError,
)

SECRET = "app-secret-0123456789abcdef"
#: ``get_client`` or ``get_async_client`` behind a blocking view (the ``wechat`` fixture).
Wechat = Callable[[str], Any]
Handler = Callable[[httpx.Request], httpx.Response]
_handler: list[Handler] = []


def transport() -> httpx.BaseTransport:
    """The ``CLIENT.TRANSPORT`` factory: routes every request to the current test's handler."""
    return httpx.MockTransport(lambda request: _handler[-1](request))


class Upstream:
    """A scripted upstream: ``answers[path]`` is a list consumed one request at a time."""

    def __init__(self) -> None:
        self.requests: list[httpx.Request] = []
        self.answers: dict[str, list[Any]] = {}

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if request.url.path in ("/cgi-bin/stable_token", "/cgi-bin/token"):
            default: Any = {"access_token": f"TOKEN-{len(self.requests):04d}-abcdefgh", "expires_in": 7200}
        else:
            default = {"errcode": 0, "errmsg": "ok"}
        queue = self.answers.get(request.url.path) or [default]
        answer = queue.pop(0) if len(queue) > 1 else queue[0]
        if isinstance(answer, Exception):
            raise answer
        if isinstance(answer, httpx.Response):
            return answer
        return httpx.Response(200, json=answer)

    def paths(self) -> list[str]:
        return [r.url.path for r in self.requests]


@pytest.fixture
def upstream(settings: Any, db: None) -> Iterator[Upstream]:
    fake = Upstream()
    _handler.append(fake)
    settings.WECHAT = {
        **settings.WECHAT,
        "APPS": {"mp": {"TYPE": "miniprogram", "APP_ID": "wxmp0001", "APP_SECRET": SECRET}},
        "CLIENT": {"TRANSPORT": f"{__name__}.transport", "MAX_RETRIES": 2},
    }
    yield fake
    _handler.pop()


def test_json_is_parsed_whatever_the_content_type(wechat: Wechat, upstream: Upstream) -> None:
    upstream.answers["/sns/jscode2session"] = [
        httpx.Response(
            200, text='{"openid": "o1", "session_key": "sk=="}', headers={"Content-Type": "text/plain"}
        )
    ]
    assert wechat("mp").code_to_session("code").openid == "o1"


@pytest.mark.parametrize(
    ("status", "content"),
    [
        (200, b"<html>gateway</html>"),
        (200, b"[1, 2]"),
        (200, b""),
        (200, b"\xff\xfe{"),
        (200, b"[" * 100000),
        (404, b"not found"),
    ],
    ids=["html", "array", "empty", "binary", "deep", "404"],
)
def test_answers_that_are_not_json_objects(
    wechat: Wechat, upstream: Upstream, status: int, content: bytes
) -> None:
    upstream.answers["/sns/jscode2session"] = [httpx.Response(status, content=content)]
    with pytest.raises(UpstreamError) as info:
        wechat("mp").code_to_session("code")
    assert type(info.value) is UpstreamError
    assert len(upstream.requests) == 1


def test_answer_without_the_promised_fields(wechat: Wechat, upstream: Upstream) -> None:
    upstream.answers["/sns/jscode2session"] = [{"openid": "o1"}]
    with pytest.raises(UpstreamError, match="session_key"):
        wechat("mp").code_to_session("code")


def test_busy_is_retried_then_succeeds(wechat: Wechat, upstream: Upstream) -> None:
    upstream.answers["/sns/userinfo"] = [{"errcode": -1}, {"errcode": -1}, {"openid": "o1", "nickname": "A"}]
    assert wechat("mp").oauth_user_info("user-token", "o1").nickname == "A"
    assert upstream.paths().count("/sns/userinfo") == 3


def test_busy_gives_up_after_max_retries(wechat: Wechat, upstream: Upstream) -> None:
    upstream.answers["/sns/userinfo"] = [{"errcode": -1, "errmsg": "system error"}]
    with pytest.raises(UpstreamError):
        wechat("mp").oauth_user_info("user-token", "o1")
    assert upstream.paths().count("/sns/userinfo") == 3  # 1 + MAX_RETRIES


def test_rate_limit_is_never_retried(wechat: Wechat, upstream: Upstream) -> None:
    upstream.answers["/sns/jscode2session"] = [{"errcode": 45011, "errmsg": "api minute-quota reach limit"}]
    with pytest.raises(RateLimitedError):
        wechat("mp").code_to_session("code")
    assert len(upstream.requests) == 1


def test_http_5xx_is_retried_for_idempotent_calls_only(wechat: Wechat, upstream: Upstream) -> None:
    upstream.answers["/sns/userinfo"] = [httpx.Response(502, text="bad gateway"), {"openid": "o1"}]
    assert wechat("mp").oauth_user_info("t", "o1").openid == "o1"
    upstream.answers["/sns/jscode2session"] = [httpx.Response(502, text="bad gateway"), {"openid": "o1"}]
    with pytest.raises(UpstreamError):
        wechat("mp").code_to_session("code")  # the code may be consumed: not repeated
    assert upstream.paths().count("/sns/jscode2session") == 1


def test_connect_errors_are_retried_even_for_sends(wechat: Wechat, upstream: Upstream) -> None:
    upstream.answers["/cgi-bin/message/custom/send"] = [httpx.ConnectError("refused"), {"errcode": 0}]
    wechat("mp").send_text("o1", "hi")
    assert upstream.paths().count("/cgi-bin/message/custom/send") == 2


def test_send_is_never_repeated_after_a_read_timeout(wechat: Wechat, upstream: Upstream) -> None:
    upstream.answers["/cgi-bin/message/custom/send"] = [httpx.ReadTimeout("slow"), {"errcode": 0}]
    with pytest.raises(UpstreamTimeoutError):
        wechat("mp").send_text("o1", "hi")
    assert upstream.paths().count("/cgi-bin/message/custom/send") == 1


def test_send_is_not_repeated_after_a_dropped_connection(wechat: Wechat, upstream: Upstream) -> None:
    upstream.answers["/cgi-bin/message/custom/send"] = [httpx.RemoteProtocolError("dropped"), {"errcode": 0}]
    with pytest.raises(UpstreamError) as info:
        wechat("mp").send_text("o1", "hi")
    assert type(info.value) is UpstreamError
    assert upstream.paths().count("/cgi-bin/message/custom/send") == 1


def test_dropped_connection_is_retried_for_idempotent_calls(wechat: Wechat, upstream: Upstream) -> None:
    upstream.answers["/sns/auth"] = [httpx.RemoteProtocolError("dropped"), {"errcode": 0, "errmsg": "ok"}]
    assert wechat("mp").oauth_check("t", "o1") is True
    assert upstream.paths().count("/sns/auth") == 2


def test_code_used_maps_without_retry(wechat: Wechat, upstream: Upstream) -> None:
    upstream.answers["/sns/jscode2session"] = [{"errcode": 40163, "errmsg": "code been used, rid: 1"}]
    with pytest.raises(CodeUsedError):
        wechat("mp").code_to_session("code")


def test_token_refused_twice_gives_up_after_one_refresh(wechat: Wechat, upstream: Upstream) -> None:
    upstream.answers["/cgi-bin/message/custom/send"] = [{"errcode": 40001, "errmsg": "invalid credential"}]
    with pytest.raises(AccessTokenError):
        wechat("mp").send_text("o1", "hi")
    assert upstream.paths() == [
        "/cgi-bin/stable_token",
        "/cgi-bin/message/custom/send",
        "/cgi-bin/stable_token",
        "/cgi-bin/message/custom/send",
    ]


def test_request_bodies_are_utf8_without_escapes(wechat: Wechat, upstream: Upstream) -> None:
    wechat("mp").send_text("o1", "你好 🌏")
    sent = upstream.requests[-1]
    assert "你好 🌏".encode() in sent.content
    assert b"\\u" not in sent.content
    assert json.loads(sent.content) == {"touser": "o1", "msgtype": "text", "text": {"content": "你好 🌏"}}
    assert sent.headers["Content-Type"].startswith("application/json")


def test_secrets_never_reach_messages_or_logs(
    wechat: Wechat, upstream: Upstream, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level("DEBUG", logger="djwechat")
    # httpx logs each request URL at INFO, and WeChat wants the secret in the query string.
    caplog.set_level("DEBUG", logger="httpx")
    upstream.answers["/sns/jscode2session"] = [{"errcode": 40125, "errmsg": f"invalid appsecret {SECRET}"}]
    upstream.answers["/cgi-bin/message/custom/send"] = [httpx.ReadTimeout("slow")]
    client = wechat("mp")
    errors = []
    for call in (lambda: client.code_to_session("c"), lambda: client.send_text("o1", "x")):
        with pytest.raises(Exception) as info:
            call()
        errors.append(info.value)
    token = client.access_token()
    for text in [caplog.text, *(str(e) for e in errors), *(repr(getattr(e, "errmsg", "")) for e in errors)]:
        assert SECRET not in text
        assert token not in text
    assert all(e.__cause__ is None for e in errors if isinstance(e, UpstreamTimeoutError))
