"""``POST /auth/miniprogram/<app>/login/`` against the simulator over real HTTP."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from djwechat._internal.datacrypt import decrypt_data
from djwechat._internal.signing import rawdata_signature
from djwechat.accounts.models import Identity
from djwechat.conf import AppSettings
from djwechat.jwt.models import JWTSession
from djwechat.testing import SimulatorControl, SimUser

pytestmark = pytest.mark.django_db

User = get_user_model()
Login = Callable[..., Any]


def error_code(response: Any) -> str:
    code: str = response.json()["error"]["code"]
    return code


def test_first_login_creates_the_user_and_answers_a_token_pair(
    login: Login, sim_user: SimUser, mp: AppSettings, client: Client
) -> None:
    response = login(sim_user)

    assert response.status_code == 200, response.content
    body = response.json()
    assert set(body) == {"access", "refresh", "token_type", "expires_in", "user", "is_new_user"}
    assert body["token_type"] == "Bearer"
    assert body["is_new_user"] is True
    identity = Identity.objects.get()
    assert identity.openid == sim_user.openid(mp.app_id)
    assert identity.unionid == sim_user.unionid
    assert identity.provider == "miniprogram"
    assert body["user"]["id"] == identity.user_id
    assert response["Cache-Control"] == "no-store"

    me = client.get("/auth/me/", HTTP_AUTHORIZATION=f"Bearer {body['access']}")
    assert me.status_code == 200
    assert me.json()["id"] == identity.user_id


def test_a_returning_user_gets_the_same_account(login: Login, sim_user: SimUser) -> None:
    first = login(sim_user).json()
    again = login(sim_user).json()
    assert again["is_new_user"] is False
    assert again["user"]["id"] == first["user"]["id"]
    assert again["access"] != first["access"]
    assert User.objects.count() == 1
    assert Identity.objects.count() == 1
    assert JWTSession.objects.count() == 2


def test_the_session_key_stays_in_the_server_side_session(
    login: Login,
    sim: SimulatorControl,
    sim_user: SimUser,
    mp: AppSettings,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    response = login(sim_user)

    stored = JWTSession.objects.get().get_decoded()
    session_key = stored["wechat_session_key"]
    # The key kept is the user's current one: what WeChat now encrypts and signs their data with.
    sealed = sim.encrypted_data(mp.app_id, sim_user.id)
    assert sealed.raw_data is not None
    assert rawdata_signature(sealed.raw_data, session_key) == sealed.signature
    opened = decrypt_data(sealed.encrypted_data, session_key=session_key, iv=sealed.iv, app_id=mp.app_id)
    assert opened["openId"] == sim_user.openid(mp.app_id)
    assert stored["wechat_openid"] == sim_user.openid(mp.app_id)
    assert session_key not in response.content.decode()
    assert session_key not in caplog.text
    assert session_key not in str(Identity.objects.get().extra_data)


def test_login_with_encrypted_user_info_fills_the_profile(
    login: Login, sim: SimulatorControl, sim_user: SimUser, mp: AppSettings
) -> None:
    code = sim.mint_code(mp.app_id, sim_user.id)
    avatar = "https://thirdwx.qlogo.cn/mmopen/alice/132"
    info = sim.encrypted_data(
        mp.app_id,
        sim_user.id,
        data={"nickName": "Alice 🌸", "avatarUrl": avatar, "gender": 2, "language": "zh_CN"},
    )

    response = login(code=code, **info.fields())

    assert response.status_code == 200, response.content
    user = User.objects.get()
    assert (user.nickname, user.avatar_url, user.gender) == ("Alice 🌸", avatar, 2)
    assert response.json()["user"]["nickname"] == "Alice 🌸"
    assert Identity.objects.get().extra_data == {"language": "zh_CN"}


def test_signed_raw_data_alone_is_accepted(
    login: Login, sim: SimulatorControl, sim_user: SimUser, mp: AppSettings
) -> None:
    code = sim.mint_code(mp.app_id, sim_user.id)
    info = sim.encrypted_data(mp.app_id, sim_user.id, data={"nickName": "Alice"})
    response = login(code=code, raw_data=info.raw_data, signature=info.signature)
    assert response.status_code == 200, response.content
    assert User.objects.get().nickname == "Alice"


def test_data_encrypted_with_an_older_session_key_asks_to_log_in_again(
    login: Login, sim: SimulatorControl, sim_user: SimUser, mp: AppSettings
) -> None:
    login(sim_user)
    stale = sim.encrypted_data(mp.app_id, sim_user.id, data={"nickName": "A"})

    # wx.login again (a new code rotates the session_key) but the data was made with the old key.
    response = login(sim_user, encrypted_data=stale.encrypted_data, iv=stale.iv)
    assert response.status_code == 400
    assert error_code(response) == "session_key_stale"
    assert "log in again" in response.json()["error"]["message"]
    assert JWTSession.objects.count() == 1

    signed = login(sim_user, raw_data=stale.raw_data, signature=stale.signature)
    assert signed.status_code == 400
    assert error_code(signed) == "session_key_stale"
    assert User.objects.get().nickname != "A"

    # The same data fetched after the latest wx.login is accepted.
    code = sim.mint_code(mp.app_id, sim_user.id)
    fresh = login(code=code, **sim.encrypted_data(mp.app_id, sim_user.id, data={"nickName": "A"}).fields())
    assert fresh.status_code == 200, fresh.content
    assert User.objects.get().nickname == "A"


def test_a_wrong_iv_is_a_stale_session_key_not_a_server_error(
    login: Login, sim: SimulatorControl, sim_user: SimUser, mp: AppSettings
) -> None:
    code = sim.mint_code(mp.app_id, sim_user.id)
    info = sim.encrypted_data(mp.app_id, sim_user.id)
    response = login(code=code, encrypted_data=info.encrypted_data, iv="AAAAAAAAAAAAAAAAAAAAAA==")
    assert response.status_code == 400
    assert error_code(response) == "session_key_stale"
    assert not User.objects.exists()


def test_data_made_for_another_app_or_long_ago_is_refused(
    login: Login,
    sim: SimulatorControl,
    sim_user: SimUser,
    mp: AppSettings,
    settings: Any,
) -> None:
    code = sim.mint_code(mp.app_id, sim_user.id)
    elsewhere = sim.encrypted_data(mp.app_id, sim_user.id, watermark={"appid": "wxsomeoneelse00001"})
    other_app = login(code=code, **elsewhere.fields())
    assert other_app.status_code == 400
    assert error_code(other_app) == "app_id_mismatch"

    settings.WECHAT = {**settings.WECHAT, "LOGIN": {**settings.WECHAT["LOGIN"], "WATERMARK_MAX_AGE": 60}}
    code = sim.mint_code(mp.app_id, sim_user.id)
    long_ago = sim.encrypted_data(mp.app_id, sim_user.id, watermark={"timestamp": 1_600_000_000})
    old = login(code=code, **long_ago.fields())
    assert old.status_code == 400
    assert error_code(old) == "stale_data"
    assert not User.objects.exists()


def test_data_of_another_user_is_refused(
    login: Login, sim: SimulatorControl, sim_user: SimUser, mp: AppSettings
) -> None:
    code = sim.mint_code(mp.app_id, sim_user.id)
    info = sim.encrypted_data(mp.app_id, sim_user.id, data={"openId": "o-someone-else"})
    response = login(code=code, **info.fields())
    assert response.status_code == 400
    assert error_code(response) == "session_key_stale"


def test_an_inactive_user_is_refused(login: Login, sim_user: SimUser) -> None:
    login(sim_user)
    User.objects.update(is_active=False)
    response = login(sim_user)
    assert response.status_code == 403
    assert error_code(response) == "login_refused"
    assert JWTSession.objects.count() == 1


def test_unionid_joins_a_website_identity_to_the_mini_program_user(
    login: Login, sim_user: SimUser, wechat_apps: dict[str, AppSettings]
) -> None:
    from djwechat.login.pipeline import LoginContext, run_pipeline
    from djwechat.login.providers import WebsiteProvider

    first = login(sim_user).json()
    web = wechat_apps["web"]
    # What the website QR login hands the pipeline after sns/oauth2/access_token and sns/userinfo.
    ctx = run_pipeline(
        LoginContext(
            request=None,
            app=web,
            provider=WebsiteProvider,
            openid=sim_user.openid(web.app_id),
            unionid=sim_user.unionid,
            response={"nickname": "Alice", "sex": 2, "headimgurl": "https://thirdwx.qlogo.cn/a/0"},
        )
    )
    assert ctx.user.pk == first["user"]["id"]
    assert not ctx.is_new_user
    assert sim_user.openid(web.app_id) != sim_user.openid(wechat_apps["mp"].app_id)
    assert sorted(Identity.objects.values_list("provider", flat=True)) == ["miniprogram", "website"]
    assert User.objects.get().nickname == "Alice"


def test_a_mini_program_without_open_platform_gets_no_unionid(
    login: Login, sim: SimulatorControl, sim_user: SimUser, mp: AppSettings
) -> None:
    sim.register_settings_app(mp, open_account=None)
    assert login(sim_user).status_code == 200
    assert Identity.objects.get().unionid is None
