"""``POST /_sim/encrypted_data``: a mini program user's encrypted user info and phone number.

The data is checked the way a developer's server checks it: with the session_key that
``sns/jscode2session`` hands out for the latest login code, never by reading the simulator's state.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from djwechat._internal.datacrypt import decrypt_data
from djwechat._internal.signing import rawdata_signature
from djwechat.exceptions import AppIdMismatchError, CryptoError
from djwechat.simulator.server import SimulatorServer
from djwechat.testing import EncryptedData, SimulatorControl, SimulatorControlError, SimUser


@pytest.fixture(params=["http", "in_process"])
def control(request: pytest.FixtureRequest, sim: SimulatorControl) -> Iterator[SimulatorControl]:
    """The control client over a socket (``sim``), or in-process over the same state."""
    if request.param == "http":
        yield sim
    else:
        with SimulatorControl.in_process() as in_process:
            yield in_process


@pytest.fixture
def raw(wechat_simulator: SimulatorServer, sim: SimulatorControl) -> Iterator[httpx.Client]:
    # The control API takes JSON only; these tests send malformed JSON, labelled as JSON.
    with httpx.Client(
        base_url=wechat_simulator.url, timeout=5, headers={"Content-Type": "application/json"}
    ) as client:
        yield client


def wx_login(wx: httpx.Client, control: SimulatorControl, app: dict[str, Any], user: SimUser) -> str:
    """``wx.login`` as ``user`` and the code exchange a server does: the session_key it learns."""
    code = control.mint_code(app["app_id"], user.id)
    params = {
        "appid": app["app_id"],
        "secret": app["app_secret"],
        "js_code": code,
        "grant_type": "authorization_code",
    }
    return str(wx.get("/sns/jscode2session", params=params).json()["session_key"])


def opened(sealed: EncryptedData, session_key: str, app_id: str) -> dict[str, Any]:
    return decrypt_data(sealed.encrypted_data, session_key=session_key, iv=sealed.iv, app_id=app_id)


def test_user_info_opens_with_the_session_key_of_the_latest_login(
    wx: httpx.Client, control: SimulatorControl, apps: dict[str, Any], user: SimUser
) -> None:
    mp = apps["mp"]
    session_key = wx_login(wx, control, mp, user)
    before = int(control.now())
    sealed = control.encrypted_data(mp["app_id"], user.id)
    after = int(control.now())

    data = opened(sealed, session_key, mp["app_id"])
    assert data == sealed.data
    assert data["openId"] == user.openid(mp["app_id"])
    assert data["unionId"] == user.unionid
    assert (data["nickName"], data["gender"], data["language"]) == ("Bob", 0, "zh_CN")
    assert data["watermark"]["appid"] == mp["app_id"]
    assert before <= data["watermark"]["timestamp"] <= after
    # rawData is the profile without the ids and the watermark, signed with the session_key.
    assert sealed.raw_data is not None
    assert json.loads(sealed.raw_data) == {
        k: v for k, v in data.items() if k not in {"openId", "unionId", "watermark"}
    }
    assert sealed.signature == rawdata_signature(sealed.raw_data, session_key)
    assert sealed.fields() == {
        "encrypted_data": sealed.encrypted_data,
        "iv": sealed.iv,
        "raw_data": sealed.raw_data,
        "signature": sealed.signature,
    }
    assert session_key not in json.dumps(sealed.data)


def test_every_call_has_a_fresh_iv(
    wx: httpx.Client, control: SimulatorControl, apps: dict[str, Any], user: SimUser
) -> None:
    mp = apps["mp"]
    wx_login(wx, control, mp, user)
    first = control.encrypted_data(mp["app_id"], user.id)
    second = control.encrypted_data(mp["app_id"], user.id)
    assert first.iv != second.iv
    assert first.encrypted_data != second.encrypted_data


def test_a_newer_login_makes_earlier_data_stale(
    wx: httpx.Client, control: SimulatorControl, apps: dict[str, Any], user: SimUser
) -> None:
    mp = apps["mp"]
    old_key = wx_login(wx, control, mp, user)
    old = control.encrypted_data(mp["app_id"], user.id)
    new_key = wx_login(wx, control, mp, user)
    new = control.encrypted_data(mp["app_id"], user.id)

    assert opened(new, new_key, mp["app_id"])["openId"] == user.openid(mp["app_id"])
    with pytest.raises(CryptoError):
        opened(old, new_key, mp["app_id"])
    assert old.raw_data is not None
    assert new.raw_data is not None
    assert rawdata_signature(old.raw_data, new_key) != old.signature
    assert new.signature == rawdata_signature(new.raw_data, new_key)
    assert new.signature != rawdata_signature(new.raw_data, old_key)


def test_a_login_code_minted_but_not_yet_exchanged_already_rotates_the_key(
    wx: httpx.Client, control: SimulatorControl, apps: dict[str, Any], user: SimUser
) -> None:
    # The session_key changes at wx.login, before the server exchanges the code.
    mp = apps["mp"]
    first_key = wx_login(wx, control, mp, user)
    code = control.mint_code(mp["app_id"], user.id)
    sealed = control.encrypted_data(mp["app_id"], user.id)
    with pytest.raises(CryptoError):
        opened(sealed, first_key, mp["app_id"])
    params = {
        "appid": mp["app_id"],
        "secret": mp["app_secret"],
        "js_code": code,
        "grant_type": "authorization_code",
    }
    second_key = wx.get("/sns/jscode2session", params=params).json()["session_key"]
    assert opened(sealed, second_key, mp["app_id"])["openId"] == user.openid(mp["app_id"])


def test_each_mini_program_has_its_own_session_key(
    wx: httpx.Client, control: SimulatorControl, apps: dict[str, Any], user: SimUser
) -> None:
    mp, mp2 = apps["mp"], apps["mp2"]
    key = wx_login(wx, control, mp, user)
    key2 = wx_login(wx, control, mp2, user)
    sealed = control.encrypted_data(mp2["app_id"], user.id)
    assert opened(sealed, key2, mp2["app_id"])["openId"] == user.openid(mp2["app_id"])
    with pytest.raises(CryptoError):
        opened(sealed, key, mp2["app_id"])


def test_the_watermark_follows_the_simulator_clock(
    wx: httpx.Client, control: SimulatorControl, apps: dict[str, Any], user: SimUser
) -> None:
    mp = apps["mp"]
    session_key = wx_login(wx, control, mp, user)
    later = int(control.advance(86_400))
    sealed = control.encrypted_data(mp["app_id"], user.id, "phone_number")
    assert later <= opened(sealed, session_key, mp["app_id"])["watermark"]["timestamp"] <= later + 60


def test_phone_number_data(
    wx: httpx.Client, control: SimulatorControl, apps: dict[str, Any], user: SimUser
) -> None:
    mp = apps["mp"]
    session_key = wx_login(wx, control, mp, user)
    sealed = control.encrypted_data(mp["app_id"], user.id, "phone_number")
    data = opened(sealed, session_key, mp["app_id"])
    assert data == {
        "phoneNumber": "13912345678",
        "purePhoneNumber": "13912345678",
        "countryCode": "86",
        "watermark": {"appid": mp["app_id"], "timestamp": data["watermark"]["timestamp"]},
    }
    assert abs(data["watermark"]["timestamp"] - control.now()) < 60
    # WeChat does not sign phone data.
    assert (sealed.raw_data, sealed.signature) == (None, None)
    assert sealed.fields() == {"encrypted_data": sealed.encrypted_data, "iv": sealed.iv}


def test_a_foreign_phone_number_carries_its_prefix(
    wx: httpx.Client, control: SimulatorControl, apps: dict[str, Any]
) -> None:
    mp = apps["mp"]
    user = control.create_user("hk", phone_number="61234567", country_code="852")
    session_key = wx_login(wx, control, mp, user)
    data = opened(control.encrypted_data(mp["app_id"], user.id, "phone_number"), session_key, mp["app_id"])
    assert (data["phoneNumber"], data["purePhoneNumber"], data["countryCode"]) == (
        "+85261234567",
        "61234567",
        "852",
    )


def test_the_profile_comes_from_the_fake_user(
    wx: httpx.Client, control: SimulatorControl, apps: dict[str, Any]
) -> None:
    mp = apps["mp"]
    user = control.create_user(
        "carol", nickname="Carol 🌸", sex=2, headimgurl="https://thirdwx.qlogo.cn/c/132"
    )
    session_key = wx_login(wx, control, mp, user)
    sealed = control.encrypted_data(mp["app_id"], user.id)
    data = opened(sealed, session_key, mp["app_id"])
    assert (data["nickName"], data["gender"], data["avatarUrl"]) == (
        "Carol 🌸",
        2,
        "https://thirdwx.qlogo.cn/c/132",
    )
    # rawData is UTF-8 JSON, as WeChat's: no \\uXXXX escapes.
    assert sealed.raw_data is not None
    assert "Carol 🌸" in sealed.raw_data


def test_an_app_without_open_platform_account_gives_no_unionid(
    wx: httpx.Client, control: SimulatorControl, apps: dict[str, Any], user: SimUser
) -> None:
    mp = apps["mp"]
    control.register_app(mp["app_id"], mp["app_secret"], open_account=None)
    session_key = wx_login(wx, control, mp, user)
    assert "unionId" not in opened(control.encrypted_data(mp["app_id"], user.id), session_key, mp["app_id"])


def test_data_watermark_and_raw_data_can_be_changed(
    wx: httpx.Client, control: SimulatorControl, apps: dict[str, Any], user: SimUser
) -> None:
    mp = apps["mp"]
    session_key = wx_login(wx, control, mp, user)
    sealed = control.encrypted_data(
        mp["app_id"],
        user.id,
        data={"openId": "o-someone-else", "nickName": "Mallory", "city": None, "extra": [1, {"a": "b"}]},
        watermark={"timestamp": 1_600_000_000},
    )
    data = opened(sealed, session_key, mp["app_id"])
    assert data["openId"] == "o-someone-else"
    assert data["nickName"] == "Mallory"
    assert "city" not in data
    assert data["extra"] == [1, {"a": "b"}]
    assert data["watermark"] == {"appid": mp["app_id"], "timestamp": 1_600_000_000}
    assert sealed.raw_data is not None
    assert json.loads(sealed.raw_data)["nickName"] == "Mallory"

    other_app = control.encrypted_data(
        mp["app_id"], user.id, "phone_number", data={"phoneNumber": None}, watermark={"appid": "wxother"}
    )
    with pytest.raises(AppIdMismatchError):
        opened(other_app, session_key, mp["app_id"])
    opened_elsewhere = opened(other_app, session_key, "wxother")
    assert "phoneNumber" not in opened_elsewhere
    assert opened_elsewhere["purePhoneNumber"] == "13912345678"

    odd = control.encrypted_data(mp["app_id"], user.id, raw_data="not json")
    assert odd.raw_data == "not json"
    assert odd.signature == rawdata_signature("not json", session_key)


def test_unknown_app_or_user_is_404(control: SimulatorControl, apps: dict[str, Any], user: SimUser) -> None:
    control.mint_code(apps["mp"]["app_id"], user.id)
    for app_id, user_id in (("wxnope", user.id), (apps["mp"]["app_id"], "nobody")):
        with pytest.raises(SimulatorControlError) as refused:
            control.encrypted_data(app_id, user_id)
        assert (refused.value.status, refused.value.code) == (404, "not_found")


def test_a_user_who_never_logged_in_is_409(
    wx: httpx.Client, control: SimulatorControl, apps: dict[str, Any], user: SimUser
) -> None:
    with pytest.raises(SimulatorControlError) as refused:
        control.encrypted_data(apps["mp"]["app_id"], user.id)
    assert (refused.value.status, refused.value.code) == (409, "not_logged_in")
    # A login in another mini program does not count.
    wx_login(wx, control, apps["mp2"], user)
    with pytest.raises(SimulatorControlError):
        control.encrypted_data(apps["mp"]["app_id"], user.id, "phone_number")
    # Phone codes do not give a session_key either.
    control.mint_code(apps["mp"]["app_id"], user.id, "phone")
    with pytest.raises(SimulatorControlError):
        control.encrypted_data(apps["mp"]["app_id"], user.id)


def test_reset_forgets_the_session_keys(
    wx: httpx.Client, control: SimulatorControl, apps: dict[str, Any], user: SimUser
) -> None:
    wx_login(wx, control, apps["mp"], user)
    control.reset()
    control.register_app(apps["mp"]["app_id"], apps["mp"]["app_secret"])
    control.create_user(user.id)
    with pytest.raises(SimulatorControlError) as refused:
        control.encrypted_data(apps["mp"]["app_id"], user.id)
    assert refused.value.status == 409


def _deep(levels: int) -> Any:
    value: Any = 1
    for _ in range(levels):
        value = [value]
    return value


@pytest.mark.parametrize(
    ("extra", "status"),
    [
        ({"app_id": "wxsimweb0000000001"}, 400),  # a website app has no encrypted data
        ({"app_id": "wxsimoa00000000001"}, 400),
        ({"app_id": None}, 400),
        ({"app_id": 5}, 400),
        ({"user_id": None}, 400),
        ({"user_id": ["bob"]}, 400),
        ({"kind": "share_info"}, 400),
        ({"kind": 1}, 400),
        ({"data": "nickName=x"}, 400),
        ({"data": [1]}, 400),
        ({"data": {"watermark": {"appid": "wx1"}}}, 400),
        ({"data": {"x": _deep(40)}}, 400),
        ({"watermark": "wx1"}, 400),
        ({"raw_data": 5}, 400),
        ({"raw_data": "{}", "kind": "phone_number"}, 400),
        ({"raw_data": "x" * 5000}, 400),
        ({"app_id": "wxnope"}, 404),
        ({"user_id": "nobody"}, 404),
    ],
)
def test_bad_requests_are_4xx_json(
    raw: httpx.Client,
    sim: SimulatorControl,
    apps: dict[str, Any],
    user: SimUser,
    extra: dict[str, Any],
    status: int,
) -> None:
    sim.mint_code(apps["mp"]["app_id"], user.id)
    body = {"app_id": apps["mp"]["app_id"], "user_id": user.id, **extra}
    response = raw.post("/_sim/encrypted_data", content=json.dumps(body))
    assert response.status_code == status, response.text
    assert set(response.json()["error"]) == {"code", "message"}


@pytest.mark.parametrize(
    "payload",
    [b"", b"{", b"[]", b"\xff\xfe", b"null", b'"x"', b'{"data": {"x": ' + b"[" * 5000 + b"]" * 5000 + b"}}"],
)
def test_malformed_bodies_are_400(raw: httpx.Client, payload: bytes) -> None:
    response = raw.post("/_sim/encrypted_data", content=payload)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "bad_request"


def test_only_post(raw: httpx.Client) -> None:
    response = raw.get("/_sim/encrypted_data")
    assert response.status_code == 405
    assert response.json()["error"]["code"] == "method_not_allowed"


def test_the_answer_never_holds_the_session_key(
    wx: httpx.Client, raw: httpx.Client, sim: SimulatorControl, apps: dict[str, Any], user: SimUser
) -> None:
    session_key = wx_login(wx, sim, apps["mp"], user)
    for kind in ("user_info", "phone_number"):
        response = raw.post(
            "/_sim/encrypted_data", json={"app_id": apps["mp"]["app_id"], "user_id": user.id, "kind": kind}
        )
        assert response.status_code == 200
        assert session_key not in response.text
