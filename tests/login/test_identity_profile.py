"""The identity keeps the WeChat profile and the verified phone number, whatever the user model."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from djwechat.accounts.models import Identity
from djwechat.conf import AppSettings
from djwechat.login.linking import link_identity
from djwechat.testing import SimulatorControl
from tests.login.helpers import WEB_APP

pytestmark = pytest.mark.django_db


def test_a_login_keeps_the_profile_and_the_phone_on_the_identity(
    client: Client, sim: SimulatorControl, wechat_apps: dict[str, AppSettings]
) -> None:
    mp = wechat_apps["mp"].app_id
    carol = sim.create_user("carol", nickname="Carol", sex=2, phone_number="13900139000")
    body = {"code": sim.mint_code(mp, carol.id), **sim.encrypted_data(mp, carol.id).fields()}
    pair = client.post("/auth/miniprogram/mp/login/", body, content_type="application/json").json()
    identity = Identity.objects.get()
    assert (identity.nickname, identity.gender, identity.phone_number) == ("Carol", 2, "")
    assert identity.avatar_url == carol.headimgurl

    phone = client.post(
        "/auth/miniprogram/mp/phone/",
        {"code": sim.mint_code(mp, carol.id, "phone")},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {pair['access']}",
    )
    assert phone.status_code == 200, phone.content
    identity.refresh_from_db()
    assert identity.phone_number == phone.json()["phone_number"]

    # A later login with a new nickname updates it; one that tells no profile keeps it.
    sim.create_user("carol", nickname="Caroline")
    body = {"code": sim.mint_code(mp, carol.id), **sim.encrypted_data(mp, carol.id).fields()}
    assert (
        client.post("/auth/miniprogram/mp/login/", body, content_type="application/json").status_code == 200
    )
    bare = {"code": sim.mint_code(mp, carol.id)}
    assert (
        client.post("/auth/miniprogram/mp/login/", bare, content_type="application/json").status_code == 200
    )
    identity.refresh_from_db()
    assert identity.nickname == "Caroline"
    assert identity.phone_number == phone.json()["phone_number"]


def test_the_profile_is_cleaned_like_the_users(django_user_model: Any) -> None:
    user = django_user_model.objects.create_user(username="dan", password="pw")
    answer: dict[str, Any] = {
        "nickname": "D\x00an" + "x" * 100,
        "headimgurl": "https://" + "a" * 600,
        "sex": 1,
    }
    ctx = link_identity(user, WEB_APP, openid="o-dan", response=answer)
    assert ctx.identity is not None
    ctx.identity.refresh_from_db()
    assert ctx.identity.nickname == ("Dan" + "x" * 100)[:64]
    assert ctx.identity.avatar_url == ""  # half a URL is worse than none
    assert ctx.identity.gender == 1
