"""WeChatClient and AsyncWeChatClient against the simulator over real HTTP (and its in-process
transport): each test using ``wechat`` runs with both."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from django.core.cache import cache
from django.db import connection

from djwechat.client import get_client
from djwechat.client.access_tokens import CachedToken
from djwechat.exceptions import (
    AccessTokenError,
    APIError,
    AppCredentialsError,
    AppNotFoundError,
    CodeUsedError,
    InvalidCodeError,
    InvalidRefreshTokenError,
    RateLimitedError,
    UpstreamError,
    UpstreamTimeoutError,
)
from tests.client.support import revoke_stable_token

pytestmark = pytest.mark.django_db(transaction=True)


def calls(sim: Any, path: str) -> int:
    return len(sim.calls(path=path))


def test_access_token_is_fetched_once_and_cached(wechat, sim, wechat_apps) -> None:
    client = wechat("oa")
    token = client.access_token()
    assert token == client.access_token() == wechat("oa").access_token()
    assert calls(sim, "/cgi-bin/stable_token") == 1
    assert calls(sim, "/cgi-bin/token") == 0
    logged = sim.calls(path="/cgi-bin/stable_token")[0]
    assert token not in str(logged)
    assert wechat_apps["oa"].app_secret not in str(logged)


def test_classic_token_mode(wechat, sim, wechat_apps, settings) -> None:
    settings.WECHAT = {**settings.WECHAT, "CLIENT": {"TOKEN_MODE": "classic"}}
    client = wechat("oa")
    assert client.token_mode == "classic"
    client.access_token()
    assert calls(sim, "/cgi-bin/token") == 1
    assert calls(sim, "/cgi-bin/stable_token") == 0


def test_wrong_secret_is_an_invalid_credential(wechat, sim, wechat_apps, settings) -> None:
    apps = dict(settings.WECHAT["APPS"])
    apps["oa"] = {**apps["oa"], "APP_SECRET": "wrong-secret-value-0123456789"}
    settings.WECHAT = {**settings.WECHAT, "APPS": apps}
    with pytest.raises(AppCredentialsError) as info:
        wechat("oa").access_token()
    assert "wrong-secret-value" not in str(info.value)
    assert "wrong-secret-value" not in info.value.errmsg
    assert cache.get("djwechat:access_token:stable:wxtest0oa000000001:lock") is None


def test_unknown_alias(wechat, wechat_apps) -> None:
    with pytest.raises(AppNotFoundError):
        wechat("nope")


def test_code_to_session(wechat, sim, wechat_apps) -> None:
    user = sim.create_user("bob", nickname="Bob")
    app = wechat_apps["mp"]
    code = sim.mint_code(app.app_id, user.id)
    session = wechat("mp").code_to_session(code)
    assert session.openid == user.openid(app.app_id)
    assert session.unionid == user.unionid
    assert session.session_key
    assert session.session_key not in repr(session)
    with pytest.raises(CodeUsedError):
        wechat("mp").code_to_session(code)
    with pytest.raises(InvalidCodeError):
        wechat("mp").code_to_session("made-up-code")


def test_phone_number(wechat, sim, wechat_apps) -> None:
    user = sim.create_user("carol", nickname="Carol", phone_number="13900000000")
    app = wechat_apps["mp"]
    info = wechat("mp").get_phone_number(sim.mint_code(app.app_id, user.id, kind="phone"))
    assert info.pure_phone_number == "13900000000"
    assert info.country_code == "86"
    assert info.phone_number.endswith("13900000000")
    with pytest.raises(InvalidCodeError):
        wechat("mp").get_phone_number("made-up-code")


def test_oauth_flow(wechat, sim, wechat_apps) -> None:
    user = sim.create_user("dave", nickname="Dave")
    app = wechat_apps["web"]
    client = wechat("web")
    token = client.oauth_access_token(sim.mint_code(app.app_id, user.id, kind="oauth"))
    assert token.openid == user.openid(app.app_id)
    assert token.expires_in > 0
    profile = client.oauth_user_info(token.access_token, token.openid)
    assert profile.nickname == "Dave"
    assert profile.openid == token.openid
    assert profile.sex in (0, 1, 2)
    assert client.oauth_check(token.access_token, token.openid) is True
    assert client.oauth_check(token.access_token, "o-somebody-else") is False
    renewed = client.oauth_refresh_token(token.refresh_token)
    assert renewed.openid == token.openid
    with pytest.raises(InvalidRefreshTokenError):
        client.oauth_refresh_token("not-a-refresh-token")
    with pytest.raises(AccessTokenError):
        client.oauth_user_info("garbage", token.openid)


def test_send_text(wechat, sim, wechat_apps) -> None:
    user = sim.create_user("erin", nickname="Erin")
    app = wechat_apps["oa"]
    wechat("oa").send_text(user.openid(app.app_id), "你好, Erin")
    (message,) = sim.messages(user_id=user.id)
    assert message["msgtype"] == "text"
    assert message["payload"] == {"content": "你好, Erin"}
    wechat("oa").send_custom_message(user.openid(app.app_id), "image", {"media_id": "MEDIA"})
    assert len(sim.messages(user_id=user.id)) == 2
    with pytest.raises(APIError) as info:
        wechat("oa").send_text("o-unknown", "hi")
    assert info.value.errcode == 40003


def test_refused_token_is_refreshed_once_and_the_call_retried(wechat, sim, wechat_apps) -> None:
    user = sim.create_user("fay", nickname="Fay")
    client = wechat("oa")
    client.access_token()
    sim.add_fault("/cgi-bin/message/custom/send", errcode=40001, times=1)
    client.send_text(user.openid(wechat_apps["oa"].app_id), "hello")
    assert calls(sim, "/cgi-bin/stable_token") == 2
    assert calls(sim, "/cgi-bin/message/custom/send") == 2
    assert len(sim.messages(user_id=user.id)) == 1


def test_token_expired_at_wechat_before_our_clock_says_so(wechat, sim, wechat_apps) -> None:
    user = sim.create_user("gus", nickname="Gus")
    client = wechat("oa")
    old = client.access_token()
    sim.advance(7300)  # WeChat's clock: the token is dead (42001); ours still thinks it is fine
    client.send_text(user.openid(wechat_apps["oa"].app_id), "still works")
    assert client.access_token() != old
    assert calls(sim, "/cgi-bin/stable_token") == 2


def test_storm_of_refused_tokens_refreshes_once(sim, wechat_in_process) -> None:
    """Another host force-refreshed the stable token: 50 concurrent sends all get 40001.

    In-process transport (the multi-process variant over real HTTP is in ``test_token_sharing.py``).
    On SQLite the database cache lives in a shared-cache in-memory database whose table locks
    fail at once instead of waiting, so the SQLite pass runs a smaller storm.
    """
    size = 8 if connection.vendor == "sqlite" else 50
    user = sim.create_user("hal", nickname="Hal")
    app = wechat_in_process["oa"]
    client = get_client("oa")
    client.access_token()
    revoke_stable_token(sim, app)  # another host force-refreshes the token we cached
    barrier = threading.Barrier(size)
    errors: list[Exception] = []

    def send(number: int) -> None:
        barrier.wait()
        try:
            client.send_text(user.openid(app.app_id), f"message {number}")
        except Exception as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=send, args=(n,)) for n in range(size)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    assert calls(sim, "/cgi-bin/stable_token") == 1
    assert len(sim.messages(user_id=user.id)) == size


def test_invalidate_then_get_fetches_again(wechat, sim, wechat_apps) -> None:
    client = wechat("mp")
    first = client.tokens.get()
    assert client.tokens.invalidate(if_token=first) is True
    assert isinstance(client.tokens.get(), CachedToken)
    assert calls(sim, "/cgi-bin/stable_token") == 2


def test_busy_is_retried(wechat, sim, wechat_apps) -> None:
    user = sim.create_user("ivy", nickname="Ivy")
    app = wechat_apps["mp"]
    sim.add_fault("/sns/jscode2session", errcode=-1, times=2)
    assert wechat("mp").code_to_session(sim.mint_code(app.app_id, user.id)).openid == user.openid(app.app_id)
    assert calls(sim, "/sns/jscode2session") == 3


def test_rate_limit_is_not_retried(wechat, sim, wechat_apps) -> None:
    sim.add_fault("/sns/jscode2session", errcode=45011, times=5)
    with pytest.raises(RateLimitedError) as info:
        wechat("mp").code_to_session("any")
    assert info.value.status_code == 429
    assert calls(sim, "/sns/jscode2session") == 1


def test_timeout_on_send_is_not_repeated(wechat, sim, wechat_in_process, settings) -> None:
    settings.WECHAT = {**settings.WECHAT, "CLIENT": {**settings.WECHAT["CLIENT"], "TIMEOUT": 0.5}}
    user = sim.create_user("jim", nickname="Jim")
    client = wechat("oa")
    client.access_token()
    sim.add_fault("/cgi-bin/message/custom/send", timeout=True, times=3)
    with pytest.raises(UpstreamTimeoutError):
        client.send_text(user.openid(wechat_in_process["oa"].app_id), "once")
    assert calls(sim, "/cgi-bin/message/custom/send") == 1


def test_dropped_connection(wechat, sim, wechat_in_process) -> None:
    user = sim.create_user("kim", nickname="Kim")
    client = wechat("oa")
    client.access_token()
    sim.add_fault("/cgi-bin/message/custom/send", drop=True, times=1)
    with pytest.raises(UpstreamError):
        client.send_text(user.openid(wechat_in_process["oa"].app_id), "maybe")
    sim.add_fault("/sns/userinfo", drop=True, times=1)
    with pytest.raises(AccessTokenError):  # retried after the drop, then the garbage token is refused
        client.oauth_user_info("garbage", "o1")
    assert calls(sim, "/sns/userinfo") == 2


def test_latency_beyond_the_timeout_over_http(wechat, sim, wechat_apps, settings) -> None:
    settings.WECHAT = {**settings.WECHAT, "CLIENT": {"TIMEOUT": 0.3}}
    sim.add_fault("/sns/jscode2session", latency=1.0, times=1)
    with pytest.raises(UpstreamTimeoutError):
        wechat("mp").code_to_session("any")
