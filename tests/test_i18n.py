"""zh-hans: djwechat's messages and DRF's come back in the request's language; codes stay English;
the compiled catalog is the committed .po."""

from __future__ import annotations

import gettext
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.test import Client
from django.utils import translation

import djwechat
from djwechat import exceptions
from tests.catalogues import po_entries

pytestmark = pytest.mark.django_db

PACKAGE = Path(djwechat.__file__).parent
#: Every translation catalogue in the package (each ``.po`` beside its compiled ``.mo``).
CATALOGUES = sorted(PACKAGE.glob("**/locale/*/LC_MESSAGES/*.po"))
ZH = {"HTTP_ACCEPT_LANGUAGE": "zh-hans"}


@pytest.fixture(autouse=True)
def _back_to_the_default_language() -> Iterator[None]:
    # LocaleMiddleware leaves the request's language active in the thread; later tests in this
    # worker run outside requests and expect LANGUAGE_CODE.
    yield
    translation.deactivate()


@pytest.mark.parametrize("po_path", CATALOGUES, ids=lambda path: path.stem)
def test_the_compiled_catalog_is_the_committed_po_and_complete(po_path: Path) -> None:
    po = po_entries(po_path.read_text(encoding="utf-8"))
    with po_path.with_suffix(".mo").open("rb") as mo:
        catalog = gettext.GNUTranslations(mo)
    assert po
    untranslated = [msgid for msgid, msgstr in po.items() if not msgstr]
    assert untranslated == []
    stale = {msgid: msgstr for msgid, msgstr in po.items() if catalog.gettext(msgid) != msgstr}
    assert stale == {}, "run: make messages"


def test_every_catalogue_is_checked() -> None:
    # djwechat's own and the simulator's; a new one is found by the test above without listing it.
    assert {path.relative_to(PACKAGE).as_posix() for path in CATALOGUES} >= {
        "locale/zh_Hans/LC_MESSAGES/django.po",
        "simulator/locale/zh_Hans/LC_MESSAGES/simulator.po",
    }


def test_every_error_has_a_chinese_default_message() -> None:
    errors = [
        cls
        for cls in vars(exceptions).values()
        if isinstance(cls, type) and issubclass(cls, exceptions.WeChatError)
    ]
    with translation.override("zh-hans"):
        english = [
            cls.__name__
            for cls in errors
            if re.search(r"[A-Za-z]{4}", str(cls.default_message).replace("wx.login", ""))
            and not re.search(r"[\u4e00-\u9fff]", str(cls.default_message))
        ]
    assert english == []


def test_djwechat_and_drf_answer_chinese_in_one_envelope(client: Client) -> None:
    answer = client.post("/auth/token/", {"username": 5}, content_type="application/json", **ZH)
    assert answer.status_code == 400
    assert answer["Content-Language"] == "zh-hans"
    error = answer.json()["error"]
    assert error["code"] == "invalid_input"  # codes stay English identifiers
    assert error["fields"]["username"] == ["必须是文本，不能是数字或布尔值。"]  # noqa: RUF001 - djwechat's
    assert error["fields"]["password"] == ["该字段是必填项。"]  # DRF's
    assert "必须是文本" in error["message"]
    assert "该字段是必填项" in error["message"]


def test_djwechat_errors_and_pages_answer_in_the_requested_language(
    client: Client, django_user_model: object
) -> None:
    refused = client.post(
        "/auth/token/", {"username": "nobody", "password": "x"}, content_type="application/json", **ZH
    )
    assert refused.json()["error"] == {"code": "invalid_credentials", "message": "无法使用提供的凭证登录。"}
    no_code = client.post("/auth/miniprogram/nope/login/", {}, content_type="application/json", **ZH)
    assert no_code.json()["error"] == {
        "code": "app_not_found",
        "message": "没有名为 'nope' 的 miniprogram 应用。",
    }
    unauthenticated = client.get("/auth/me/", **ZH)
    # DRF and djwechat say it the same way.
    assert unauthenticated.json()["error"]["message"] == "身份认证信息未提供。"
    # Without Accept-Language: the project's LANGUAGE_CODE (English here).
    english = client.post(
        "/auth/token/", {"username": "nobody", "password": "x"}, content_type="application/json"
    )
    assert english.json()["error"]["message"] == "Unable to log in with the provided credentials."


def test_the_login_pages_speak_the_visitors_language(client: Client) -> None:
    page = client.get("/auth/website/nope/callback/?state=x", **ZH)
    html = page.content.decode()
    assert "<html lang='zh-hans'>" in html
    assert "登录失败" in html
