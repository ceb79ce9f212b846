"""``manage.py wechat_token``: shows masked tokens, refreshes them, refuses bad input."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from djwechat.client import get_client

pytestmark = pytest.mark.django_db(transaction=True)


def run(*args: str) -> str:
    out = StringIO()
    call_command("wechat_token", *args, stdout=out, stderr=StringIO())
    return out.getvalue()


def test_shows_every_app_masked(sim, wechat_apps) -> None:
    output = run()
    for alias in ("mp", "web", "oa"):
        token = get_client(alias).access_token()
        assert f"{alias}: {wechat_apps[alias].app_id} stable token {token[:4]}…{token[-4:]}" in output
        assert token not in output
    assert "(fetched)" in output
    assert "(cached)" in run("oa")
    assert len(sim.calls(path="/cgi-bin/stable_token")) == 3


def test_refresh_fetches_again(sim, wechat_apps) -> None:
    run("oa")
    assert "(refreshed)" in run("oa", "--refresh")
    assert len(sim.calls(path="/cgi-bin/stable_token")) == 2


def test_force_refresh_revokes_the_stable_token(sim, wechat_apps) -> None:
    before = get_client("oa").access_token()
    run("oa", "--refresh", "--force")
    assert get_client("oa").access_token() != before
    (call,) = [c for c in sim.calls(path="/cgi-bin/stable_token") if c["body"].get("force_refresh")]
    assert call["errcode"] in (0, None)


def test_bad_arguments(wechat_apps) -> None:
    with pytest.raises(CommandError, match="nope"):
        run("nope")
    with pytest.raises(CommandError, match="--force"):
        run("oa", "--force")


def test_failures_are_reported_without_secrets(sim, wechat_apps) -> None:
    sim.add_fault("/cgi-bin/stable_token", errcode=40125, times=1)
    err = StringIO()
    with pytest.raises(CommandError):
        call_command("wechat_token", "oa", stdout=StringIO(), stderr=err)
    assert "invalid_credential" in err.getvalue()
    assert wechat_apps["oa"].app_secret not in err.getvalue()


def test_no_apps(settings) -> None:
    settings.WECHAT = {**settings.WECHAT, "APPS": {}}
    assert "No WeChat apps" in run()
