"""The simulator's pages in the browser's language (English by default, zh-hans on request); what
imitates WeChat, and the control API, stay as they are in every language."""

from __future__ import annotations

import ast
import re
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import httpx
import pytest

import djwechat.simulator
from djwechat.simulator.i18n import CHINESE, ENGLISH, LOCALE_DIR, Language, negotiate
from djwechat.simulator.server import SimulatorServer
from djwechat.testing import SimulatorControl, SimulatorControlError, SimUser
from tests.catalogues import po_entries

ZH = {"Accept-Language": "zh-CN,zh;q=0.9,en;q=0.8"}
CALLBACK = "https://site.example/auth/callback/"
SOURCES = Path(djwechat.simulator.__file__).parent
#: The calls whose first argument is a message of the catalogue.
MESSAGE_CALLS = frozenset({"gettext", "markup", "Text"})


def _qr_url(app_id: str, state: str = "st", **overrides: str) -> str:
    params = {"appid": app_id, "redirect_uri": CALLBACK, "scope": "snsapi_login", "state": state}
    return "/connect/qrconnect?" + urlencode({**params, **overrides})


def _phone_path(page: httpx.Response) -> str:
    found = re.search(r"/_sim/phone/[A-Za-z0-9_-]+", page.text)
    assert found, page.text
    return found[0]


def _messages_of_the_code() -> set[str]:
    messages: set[str] = set()
    for source in SOURCES.rglob("*.py"):
        for node in ast.walk(ast.parse(source.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call) or not node.args:
                continue
            name = getattr(node.func, "attr", None) or getattr(node.func, "id", None)
            first = node.args[0]
            if name in MESSAGE_CALLS and isinstance(first, ast.Constant) and isinstance(first.value, str):
                messages.add(first.value)
    return messages


def test_the_catalogue_holds_exactly_the_messages_of_the_code() -> None:
    po = po_entries((LOCALE_DIR / "zh_Hans" / "LC_MESSAGES" / "simulator.po").read_text(encoding="utf-8"))
    code = _messages_of_the_code()
    assert "Open the phone page" in code  # the scan finds the templates' messages
    assert sorted(code - po.keys()) == []  # untranslated
    assert sorted(po.keys() - code) == []  # no longer used
    assert all(CHINESE.gettext(message) != message for message in code)


@pytest.mark.parametrize(
    ("header", "language"),
    [
        ("", ENGLISH),
        ("zh", CHINESE),
        ("zh-CN", CHINESE),
        ("zh-Hans", CHINESE),
        ("zh-hans-SG", CHINESE),
        ("zh-CN,zh;q=0.9,en;q=0.8", CHINESE),
        ("en-US,en;q=0.9,zh-CN;q=0.8", ENGLISH),
        ("en;q=0.5, zh-CN", CHINESE),  # weights, not order, decide
        ("fr-FR, zh;q=0.5", CHINESE),  # the first language there is a translation for
        ("de, fr", ENGLISH),
        ("zh-TW", ENGLISH),  # Traditional characters: not this catalogue
        ("zh-Hant, zh-CN;q=0.5", CHINESE),
        ("zh;q=0", ENGLISH),
        ("zh;q=nonsense, en", ENGLISH),
        ("*", ENGLISH),
    ],
)
def test_the_language_follows_accept_language(header: str, language: Language) -> None:
    assert negotiate(header) == language


def test_the_pages_are_english_by_default(wx: httpx.Client, apps: dict[str, Any], user: SimUser) -> None:
    for headers in ({}, {"Accept-Language": "en-US,en;q=0.9,zh-CN;q=0.8"}, {"Accept-Language": "de"}):
        qr = wx.get(_qr_url(apps["web"]["app_id"]), headers=headers)
        assert "<html lang='en'>" in qr.text
        assert "Open the phone page" in qr.text
        assert "The QR code has expired. Reload the page." in qr.text  # the poller's texts too
        assert qr.headers["Content-Language"] == "en"
        assert qr.headers["Vary"] == "Accept-Language"
        phone = wx.get(_phone_path(qr), headers=headers)
        assert "Confirm as Bob" in phone.text
        assert "Refuse" in phone.text
        assert not re.search(r"[\u4e00-\u9fff]", phone.text)


def test_a_chinese_browser_gets_the_qr_phone_and_done_pages_in_chinese(
    wx: httpx.Client, apps: dict[str, Any], user: SimUser
) -> None:
    qr = wx.get(_qr_url(apps["web"]["app_id"]), headers=ZH)
    assert qr.status_code == 200
    assert "<html lang='zh-hans'>" in qr.text
    assert qr.headers["Content-Language"] == "zh-hans"
    assert "<title>微信登录</title>" in qr.text
    assert "打开手机页面" in qr.text
    assert "二维码已过期，请刷新页面。" in qr.text  # noqa: RUF001 - the poller's texts
    assert "Open the phone page" not in qr.text
    phone = wx.get(_phone_path(qr), headers=ZH)
    assert "以 Bob 的身份确认" in phone.text
    assert "拒绝" in phone.text
    assert f"value='{user.id}'" in phone.text  # the form itself is the same in every language
    done = wx.post(_phone_path(qr), data={"decision": "approve", "user_id": user.id}, headers=ZH)
    assert done.status_code == 200
    assert "已确认登录" in done.text
    # The status poll is the page script's JSON: no prose to translate.
    assert wx.get(_phone_path(qr) + "/status", headers=ZH).json()["status"] == "approved"

    refused_qr = wx.get(_qr_url(apps["web"]["app_id"], state="no"), headers=ZH)
    refused = wx.post(_phone_path(refused_qr), data={"decision": "deny"}, headers=ZH)
    assert "已拒绝登录。" in refused.text


def test_the_consent_page_speaks_chinese(wx: httpx.Client, apps: dict[str, Any], user: SimUser) -> None:
    params = {"appid": apps["oa"]["app_id"], "redirect_uri": CALLBACK, "scope": "snsapi_base", "state": "h5"}
    page = wx.get("/connect/oauth2/authorize?" + urlencode(params), headers=ZH)
    assert page.status_code == 200
    assert "申请使用你的微信账号登录" in page.text
    assert "以 Bob 的身份从快照页访问" in page.text


def test_error_pages_quote_wechat_and_explain_in_the_visitors_language(
    wx: httpx.Client, apps: dict[str, Any], user: SimUser
) -> None:
    bad = _qr_url(apps["web"]["app_id"], redirect_uri="javascript:alert(1)")
    english = wx.get(bad)
    assert english.status_code == 400
    assert "This link cannot be opened (该链接无法访问)" in english.text
    assert "redirect_uri 参数错误 (redirect_uri must be an absolute http(s) URL)" in english.text
    chinese = wx.get(bad, headers=ZH)
    assert chinese.status_code == 400
    assert "<h1>该链接无法访问</h1>" in chinese.text
    assert "<code>10003</code>" in chinese.text
    assert "redirect_uri 参数错误（redirect_uri 必须是完整的 http(s) 网址）" in chinese.text  # noqa: RUF001
    unknown = wx.get(_qr_url("wxnope"), headers=ZH)
    assert "没有使用此 appid 的 website 应用" in unknown.text  # the app type is WeChat's identifier

    assert "二维码不存在或已过期" in wx.get("/_sim/phone/nope", headers=ZH).text
    qr = wx.get(_qr_url(apps["web"]["app_id"], state="twice"), headers=ZH)
    wx.post(_phone_path(qr), data={"decision": "deny"}, headers=ZH)
    again = wx.post(_phone_path(qr), data={"decision": "approve", "user_id": user.id}, headers=ZH)
    assert again.status_code == 409
    assert "该授权已处理过（denied）" in again.text  # noqa: RUF001
    wrong_method = wx.put("/connect/qrconnect", headers=ZH)
    assert wrong_method.status_code == 405
    assert "此页面不接受 PUT 请求" in wrong_method.text


def test_what_imitates_wechat_and_the_control_api_stay_untranslated(
    wx: httpx.Client, sim: SimulatorControl, apps: dict[str, Any], user: SimUser
) -> None:
    api = wx.get("/sns/jscode2session", params={"appid": "wxnope", "js_code": "x"}, headers=ZH).json()
    assert api["errcode"] == 40013
    assert api["errmsg"].startswith("invalid appid, rid: ")
    assert wx.get("/no/such/api", headers=ZH).json()["errmsg"] == "no such api: /no/such/api"
    wx.get(_qr_url(apps["web"]["app_id"], state="ctl"), headers=ZH)
    sim.authorize("ctl", user.id)
    wx.get(_qr_url(apps["web"]["app_id"], state="ctl2"), headers=ZH)
    with pytest.raises(SimulatorControlError) as refused:
        sim.authorize("ctl2", "ghost")
    assert refused.value.status == 404
    assert "no user ghost" in str(refused.value)


def test_concurrent_requests_in_two_languages_do_not_mix(
    wechat_simulator: SimulatorServer, apps: dict[str, Any]
) -> None:
    url = wechat_simulator.url + _qr_url("wxnope")

    def fetch(chinese: bool) -> bool:
        page = httpx.get(url, headers=ZH if chinese else {}, timeout=10)
        return ("没有使用此 appid" in page.text) == chinese

    with ThreadPoolExecutor(4) as pool:
        assert all(pool.map(fetch, [n % 2 == 0 for n in range(40)]))
