"""Replays: a refresh token presented twice, a Mini Program code exchanged twice, a signed
Official Account push sent again - the second attempt never yields a second session, user or
handler run."""

from __future__ import annotations

import json
import time
from typing import Any

from djwechat._internal.signing import sha1_signature
from djwechat.accounts.models import Identity
from djwechat.conf import AppSettings
from djwechat.jwt.models import JWTSession
from djwechat.testing import SimulatorControl, text_message
from tests.hostile import routers
from tests.hostile.checks import assert_json_error
from tests.hostile.conftest import Credentials, Probe, user_count

LOGIN = "/auth/miniprogram/mp/login/"


def _refresh(probe: Probe, token: str) -> Any:
    return probe("POST", "/auth/token/refresh/", json.dumps({"refresh": token}))


def test_refresh_token_replayed_after_the_grace_window(
    probe: Probe, credentials: Credentials, settings: Any
) -> None:
    settings.WECHAT = {**settings.WECHAT, "JWT": {**settings.WECHAT["JWT"], "REFRESH_GRACE_SECONDS": 0}}
    old = credentials.pair["refresh"]
    first = _refresh(probe, old)
    assert first.status_code == 200, first.content
    time.sleep(0.01)  # strictly after the rotation, whatever the clock's resolution
    second = _refresh(probe, old)
    assert second.status_code == 401
    assert assert_json_error(second, "replay")["code"] == "refresh_reused"
    # The replay ended the session: neither the thief's nor the owner's tokens work any more.
    assert not credentials.alive()
    assert JWTSession.objects.filter(user=credentials.user).count() == 0
    assert _refresh(probe, first.json()["refresh"]).status_code == 401
    me = probe("GET", "/auth/me/", authorization=f"Bearer {first.json()['access']}")
    assert me.status_code == 401


def test_refresh_token_replayed_within_the_grace_window(probe: Probe, credentials: Credentials) -> None:
    old = credentials.pair["refresh"]
    first, second = _refresh(probe, old), _refresh(probe, old)
    assert first.status_code == second.status_code == 200
    # Concurrent refreshes of one session: still one session, and both new pairs work.
    assert JWTSession.objects.filter(user=credentials.user).count() == 1
    for pair in (first.json(), second.json()):
        assert probe("GET", "/auth/me/", authorization=f"Bearer {pair['access']}").status_code == 200
    assert _refresh(probe, first.json()["refresh"]).status_code == 200


def test_same_miniprogram_code_twice(
    probe: Probe, sim: SimulatorControl, hostile_apps: dict[str, AppSettings]
) -> None:
    user = sim.create_user("replay-bob")
    code = sim.mint_code(hostile_apps["mp"].app_id, user.id)
    body = json.dumps({"code": code})
    first = probe("POST", LOGIN, body)
    assert first.status_code == 200, first.content
    users, identities, sessions = user_count(), Identity.objects.count(), JWTSession.objects.count()
    second = probe("POST", LOGIN, body)
    assert 400 <= second.status_code < 500
    assert assert_json_error(second, "code replay")["code"] in ("code_used", "invalid_code")
    assert (user_count(), Identity.objects.count(), JWTSession.objects.count()) == (
        users,
        identities,
        sessions,
    )


def test_code_of_a_refused_login_cannot_be_replayed_either(
    probe: Probe, sim: SimulatorControl, hostile_apps: dict[str, AppSettings]
) -> None:
    """A malformed request is refused before the code is spent; the well-formed retry then
    works once, and only once."""
    user = sim.create_user("replay-carol")
    code = sim.mint_code(hostile_apps["mp"].app_id, user.id)
    users = user_count()
    bad = probe("POST", LOGIN, json.dumps({"code": code, "iv": "not base64!"}))
    assert bad.status_code == 400
    assert user_count() == users
    assert probe("POST", LOGIN, json.dumps({"code": code})).status_code == 200
    assert probe("POST", LOGIN, json.dumps({"code": code})).status_code == 400
    assert user_count() == users + 1


def test_signed_push_with_its_signature_reused_for_another_message(
    probe: Probe, hostile_apps: dict[str, AppSettings]
) -> None:
    """An unencrypted push is signed over (token, timestamp, nonce) only, not its body: a
    captured query string must not carry a second, different message."""
    oa = hostile_apps["oa"]
    timestamp, nonce = str(int(time.time())), "hostile-nonce"
    query = f"signature={sha1_signature(oa.token, timestamp, nonce)}&timestamp={timestamp}&nonce={nonce}"
    path = f"/wechat/oa/?{query}"
    first = text_message(oa.app_id, "openid-victim", "hello", msg_id=1)
    forged = text_message(oa.app_id, "openid-victim", "transfer all my money", msg_id=2)
    response = probe("POST", path, first, "text/xml")
    assert response.status_code == 200, response.content
    assert routers.handled == 1  # the guard waited for the handler (well within its budget)
    routers.reset()
    replay = probe("POST", path, forged, "text/xml")
    assert replay.status_code == 403, replay.content
    assert assert_json_error(replay, "push replay")["code"] == "invalid_signature"


def test_code_of_another_app_or_kind(
    probe: Probe, sim: SimulatorControl, hostile_apps: dict[str, AppSettings]
) -> None:
    user = sim.create_user("replay-dan")
    users = user_count()
    codes = [
        sim.mint_code(hostile_apps["web"].app_id, user.id, kind="oauth"),
        sim.mint_code(hostile_apps["mp"].app_id, user.id, kind="phone"),
    ]
    for code in codes:
        response = probe("POST", LOGIN, json.dumps({"code": code}))
        assert 400 <= response.status_code < 500, response.content
    assert user_count() == users


def test_same_phone_code_twice(
    probe: Probe, sim: SimulatorControl, credentials: Credentials, hostile_apps: dict[str, AppSettings]
) -> None:
    owner = sim.user("hostile-alice")
    code = sim.mint_code(hostile_apps["mp"].app_id, owner.id, kind="phone")
    body = json.dumps({"code": code})
    first = probe("POST", "/auth/miniprogram/mp/phone/", body, authorization=credentials.bearer)
    assert first.status_code == 200, first.content
    second = probe("POST", "/auth/miniprogram/mp/phone/", body, authorization=credentials.bearer)
    assert 400 <= second.status_code < 500, second.content
    assert_json_error(second, "phone code replay")


def test_phone_code_of_another_wechat_user(
    probe: Probe, sim: SimulatorControl, credentials: Credentials, hostile_apps: dict[str, AppSettings]
) -> None:
    """A phone code obtained by someone else proves nothing about the caller: refused with a 4xx,
    and the caller's phone number is left alone."""
    victim = sim.create_user("replay-victim", phone_number="13900000000")
    code = sim.mint_code(hostile_apps["mp"].app_id, victim.id, kind="phone")
    before = credentials.user.phone_number
    response = probe(
        "POST", "/auth/miniprogram/mp/phone/", json.dumps({"code": code}), authorization=credentials.bearer
    )
    assert 400 <= response.status_code < 500, response.content
    assert_json_error(response, "foreign phone code")
    credentials.user.refresh_from_db()
    assert credentials.user.phone_number == before


def test_access_token_is_no_refresh_token(probe: Probe, credentials: Credentials) -> None:
    response = _refresh(probe, credentials.pair["access"])
    assert response.status_code == 401
    assert assert_json_error(response, "type confusion")["code"] == "invalid_token"
    assert credentials.alive()
