"""The example site's login pages in a real browser: QR login confirmed and refused, and H5 login."""

from __future__ import annotations

import json
from typing import Any

from tests.browser.conftest import DemoSite, screenshot


def open_qr(browser: Any, site: DemoSite) -> tuple[Any, Any]:
    """The home page with its QR code shown, and a second page: the phone that scanned it."""
    page = browser.new_page()
    page.goto(site.url + "/")
    page.click("text=Log in with WeChat")
    phone_link = page.frame_locator("#qr-frame").locator("a", has_text="Open the phone page")
    phone = browser.new_page()
    phone.goto(phone_link.get_attribute("href"))
    return page, phone


def test_qr_login_shows_the_user_then_logs_out(browser: Any, demo_site: DemoSite) -> None:
    page, phone = open_qr(browser, demo_site)
    phone.click("text=Confirm as Alice")
    page.wait_for_selector("#logged-in:not([hidden])")
    assert page.inner_text("#nickname") == "Alice"
    assert page.get_attribute("#avatar", "src") == f"{demo_site.sim.base_url}/_sim/avatars/alice.svg"
    assert page.evaluate("document.getElementById('avatar').naturalWidth") > 0
    assert page.is_hidden("#qr")
    screenshot(page, "website-login")
    access = json.loads(page.evaluate("sessionStorage.getItem('djwechat.tokens')"))["access"]
    page.click("text=Log out")
    page.wait_for_selector("#logged-out:not([hidden])")
    assert page.inner_text("#message") == "You are logged out."
    status = page.evaluate(
        "token => fetch('/auth/me/', {headers: {Authorization: 'Bearer ' + token}}).then(r => r.status)",
        access,
    )
    assert status == 401  # the session ended on the server, not only in the page


def test_qr_login_refused_on_the_phone(browser: Any, demo_site: DemoSite) -> None:
    page, phone = open_qr(browser, demo_site)
    phone.click("text=Refuse")
    page.wait_for_selector("text=You refused the login on your phone.")
    assert page.is_hidden("#logged-in")
    assert page.is_visible("#login")  # ready to try again


def test_h5_login_from_the_official_account_page(browser: Any, demo_site: DemoSite) -> None:
    page = browser.new_page()
    page.goto(demo_site.url + "/h5/")
    page.click("text=Log in with WeChat")
    page.wait_for_url(f"{demo_site.sim.base_url}/connect/oauth2/authorize*")
    page.click("form:has(input[value=approve]) >> text=Confirm as Bob")
    page.wait_for_selector("#logged-in:not([hidden])")
    assert page.inner_text("#nickname") == "Bob"
    assert page.url == demo_site.url + "/h5/"  # the one-time login_code was taken off the URL
    screenshot(page, "official-account-login")
    page.reload()  # the tokens survive a reload of the page
    page.wait_for_selector("#logged-in:not([hidden])")
    assert page.inner_text("#nickname") == "Bob"


def test_a_chinese_browser_sees_the_simulator_in_chinese(chromium: Any, demo_site: DemoSite) -> None:
    context = chromium.new_context(locale="zh-CN", viewport={"width": 900, "height": 720})
    context.set_default_timeout(15_000)
    try:
        page = context.new_page()
        page.goto(demo_site.url + "/")
        page.click("text=Log in with WeChat")  # the example site's own page is English only
        phone_link = page.frame_locator("#qr-frame").locator("a", has_text="打开手机页面")
        phone = context.new_page()
        phone.goto(phone_link.get_attribute("href"))
        assert phone.get_attribute("html", "lang") == "zh-hans"
        phone.click("text=以 Alice 的身份确认")
        page.wait_for_selector("#logged-in:not([hidden])")
        assert page.inner_text("#nickname") == "Alice"
        assert phone.inner_text("h1") == "已确认登录，请回到电脑上继续。"  # noqa: RUF001
    finally:
        context.close()
