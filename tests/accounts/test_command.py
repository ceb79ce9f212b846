"""``manage.py wechat_miniprogram_login``: a mini program against a live site and the simulator."""

from __future__ import annotations

import json
from io import StringIO
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

from djwechat.accounts.models import Identity
from djwechat.conf import AppSettings
from djwechat.testing import SimulatorControl, SimUser

pytestmark = pytest.mark.django_db(transaction=True)


def run(*args: str) -> list[dict[str, Any]]:
    out = StringIO()
    call_command("wechat_miniprogram_login", *args, stdout=out)
    decoder = json.JSONDecoder()
    text, answers = out.getvalue().strip(), []
    while text:
        answer, end = decoder.raw_decode(text)
        answers.append(answer)
        text = text[end:].strip()
    return answers


def test_logs_in_as_the_simulator_user_and_prints_the_token_pair(
    live_server: Any, sim: SimulatorControl, sim_user: SimUser, wechat_apps: dict[str, AppSettings]
) -> None:
    [answer] = run("alice", "--site", live_server.url, "--simulator", sim.base_url)
    assert answer["is_new_user"] is True
    assert answer["token_type"] == "Bearer"
    assert Identity.objects.get().openid == sim_user.openid(wechat_apps["mp"].app_id)

    [again, phone] = run("alice", "--site", live_server.url, "--simulator", sim.base_url, "--phone")
    assert again["is_new_user"] is False
    assert phone == {"phone_number": "13800138000", "pure_phone_number": "13800138000", "country_code": "86"}
    assert get_user_model().objects.get().phone_number == "13800138000"


def test_creates_the_user_on_request(live_server: Any, sim: SimulatorControl, wechat_apps: Any) -> None:
    with pytest.raises(CommandError, match="404"):
        run("bob", "--site", live_server.url, "--simulator", sim.base_url)
    [answer] = run("bob", "--create", "--site", live_server.url, "--simulator", sim.base_url)
    assert answer["is_new_user"] is True


def test_errors_are_reported_not_raised(
    live_server: Any, sim: SimulatorControl, sim_user: SimUser, wechat_apps: Any
) -> None:
    sim.add_fault("/sns/jscode2session", errcode=40226)
    with pytest.raises(CommandError, match=r"403.*code_blocked"):
        run("alice", "--site", live_server.url, "--simulator", sim.base_url)
    with pytest.raises(CommandError, match="did not answer"):
        run("alice", "--site", "http://127.0.0.1:9", "--simulator", sim.base_url, "--timeout", "2")
    with pytest.raises(CommandError, match="No miniprogram app"):
        run("alice", "--app", "web", "--site", live_server.url, "--simulator", sim.base_url)


def test_the_site_and_the_simulator_default_to_the_settings(
    live_server: Any, settings: Any, sim_user: SimUser, wechat_apps: dict[str, AppSettings]
) -> None:
    # wechat_apps points API_BASE_URL at the simulator; SITE_URL names the running site.
    settings.WECHAT = {**settings.WECHAT, "SITE_URL": live_server.url}
    [answer] = run("alice")
    assert answer["is_new_user"] is True
