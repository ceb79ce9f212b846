"""Linking WeChat to a logged-in user and unlinking it: the endpoints, the Python API, every refusal."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from djwechat.accounts.linking import unlink_identity
from djwechat.accounts.models import Identity
from djwechat.accounts.signals import identity_linked, identity_unlinked
from djwechat.conf import AppSettings
from djwechat.exceptions import IdentityTakenError, LastLoginMethodError, NotFoundError
from djwechat.jwt.models import JWTSession
from djwechat.login.linking import link_identity
from djwechat.testing import SimulatorControl, SimUser
from tests.login.browser_flows import QRLogin

pytestmark = pytest.mark.django_db

User = get_user_model()
LINK_URL = "/auth/miniprogram/mp/link/"


@pytest.fixture(autouse=True)
def apps(wechat_apps: dict[str, AppSettings]) -> dict[str, AppSettings]:
    """The simulator's ``mp`` and ``web`` apps, for the endpoints and ``link_identity`` alike."""
    return wechat_apps


@pytest.fixture
def signals() -> Iterator[list[tuple[str, dict[str, Any]]]]:
    seen: list[tuple[str, dict[str, Any]]] = []

    def linked(**kwargs: Any) -> None:
        seen.append(("linked", kwargs))

    def unlinked(**kwargs: Any) -> None:
        seen.append(("unlinked", kwargs))

    identity_linked.connect(linked)
    identity_unlinked.connect(unlinked)
    yield seen
    identity_linked.disconnect(linked)
    identity_unlinked.disconnect(unlinked)


@pytest.fixture
def bob(client: Client) -> dict[str, Any]:
    """A password user, logged in: ``{"user", "auth"}`` (``auth``: the Authorization header)."""
    user = User.objects.create_user(username="bob", password="pw-bob-123")
    pair = client.post(
        "/auth/token/", {"username": "bob", "password": "pw-bob-123"}, content_type="application/json"
    ).json()
    return {"user": user, "auth": f"Bearer {pair['access']}"}


@pytest.fixture
def link(client: Client, sim: SimulatorControl, wechat_apps: dict[str, AppSettings]) -> Callable[..., Any]:
    """``link(sim_user, auth)``: ``wx.login`` as ``sim_user`` and POST the code to the link endpoint."""

    def do(sim_user: SimUser, auth: str, **body: Any) -> Any:
        code = sim.mint_code(wechat_apps["mp"].app_id, sim_user.id)
        return client.post(
            LINK_URL, {"code": code, **body}, content_type="application/json", HTTP_AUTHORIZATION=auth
        )

    return do


def wechat_login(client: Client, sim: SimulatorControl, app_id: str, sim_user: SimUser) -> dict[str, Any]:
    code = sim.mint_code(app_id, sim_user.id)
    answer = client.post("/auth/miniprogram/mp/login/", {"code": code}, content_type="application/json")
    assert answer.status_code == 200, answer.content
    pair: dict[str, Any] = answer.json()
    return pair


def error_of(response: Any) -> tuple[int, str]:
    return response.status_code, response.json()["error"]["code"]


# --------------------------------------------------------------------------- Mini Program link


def test_a_code_links_the_mini_program_identity_to_the_caller(
    link: Callable[..., Any], bob: dict[str, Any], sim_user: SimUser, wechat_apps: Any, signals: list[Any]
) -> None:
    first = link(sim_user, bob["auth"])
    assert first.status_code == 201, first.content
    assert first["Cache-Control"] == "no-store"
    assert first.json()["created"] is True
    identity = Identity.objects.get()
    assert identity.user == bob["user"]
    assert identity.openid == sim_user.openid(wechat_apps["mp"].app_id)
    assert first.json()["identity"]["id"] == identity.pk
    assert [name for name, _ in signals] == ["linked"]
    assert signals[0][1]["user"] == bob["user"]
    assert signals[0][1]["created_user"] is False

    again = link(sim_user, bob["auth"])
    assert again.status_code == 200
    assert again.json()["created"] is False
    assert Identity.objects.count() == 1
    assert len(signals) == 1
    assert User.objects.count() == 1
    # Linking logs nobody in: bob's password session is still the only one.
    assert JWTSession.objects.count() == 1


def test_an_identity_of_another_user_is_refused_with_409(
    client: Client,
    link: Callable[..., Any],
    bob: dict[str, Any],
    sim: SimulatorControl,
    sim_user: SimUser,
    wechat_apps: Any,
    signals: list[Any],
) -> None:
    owner = wechat_login(client, sim, wechat_apps["mp"].app_id, sim_user)["user"]
    signals.clear()  # the owner's login linked it first
    refused = link(sim_user, bob["auth"])
    assert error_of(refused) == (409, "identity_taken")
    assert Identity.objects.get().user_id == owner["id"]
    assert signals == []


def test_a_unionid_known_for_another_user_is_refused(
    client: Client,
    link: Callable[..., Any],
    bob: dict[str, Any],
    sim: SimulatorControl,
    sim_user: SimUser,
    wechat_apps: Any,
) -> None:
    # The person logged in on the website first: their unionid belongs to that user.
    owner = User.objects.create_user(username="owner")
    link_identity(owner, "web", openid="o-web-of-alice", unionid=sim_user.unionid)
    refused = link(sim_user, bob["auth"])
    assert error_of(refused) == (409, "identity_taken")
    assert not Identity.objects.filter(user=bob["user"]).exists()


def test_linking_needs_a_valid_token_and_a_code(
    client: Client, link: Callable[..., Any], bob: dict[str, Any], sim: SimulatorControl, sim_user: SimUser
) -> None:
    assert error_of(client.post(LINK_URL, {"code": "abc"}, content_type="application/json")) == (
        401,
        "not_authenticated",
    )
    assert error_of(link(sim_user, "Bearer not-a-token")) == (401, "invalid_token")
    for body in ({}, {"code": 12}, {"code": "<script>"}):
        answer = client.post(LINK_URL, body, content_type="application/json", HTTP_AUTHORIZATION=bob["auth"])
        assert error_of(answer) == (400, "bad_request")
    assert sim.calls("/sns/jscode2session") == []  # refused before any code was spent
    assert error_of(
        client.post(
            "/auth/miniprogram/web/link/",
            {"code": "abc"},
            content_type="application/json",
            HTTP_AUTHORIZATION=bob["auth"],
        )
    ) == (404, "app_not_found")
    assert not Identity.objects.exists()


def test_a_wrong_code_is_answered_as_at_login(
    client: Client, bob: dict[str, Any], sim: SimulatorControl, wechat_apps: Any
) -> None:
    answer = client.post(
        LINK_URL, {"code": "never-issued"}, content_type="application/json", HTTP_AUTHORIZATION=bob["auth"]
    )
    assert error_of(answer) == (400, "invalid_code")
    assert not Identity.objects.exists()


# --------------------------------------------------------------------------- list and unlink


def test_identities_lists_the_callers_own_only(
    client: Client, bob: dict[str, Any], link: Callable[..., Any], sim: SimulatorControl, sim_user: SimUser
) -> None:
    link(sim_user, bob["auth"])
    link_identity(User.objects.create_user(username="other"), "web", openid="o-someone-else")
    answer = client.get("/auth/identities/", HTTP_AUTHORIZATION=bob["auth"])
    assert answer.status_code == 200
    assert answer["Cache-Control"] == "no-store"
    (shown,) = answer.json()["identities"]
    assert set(shown) == {
        "id",
        "provider",
        "app_alias",
        "nickname",
        "avatar_url",
        "gender",
        "created_at",
        "updated_at",
    }
    assert (shown["provider"], shown["app_alias"]) == ("miniprogram", "mp")
    assert error_of(client.get("/auth/identities/")) == (401, "not_authenticated")


def test_unlinking_removes_the_identity_and_signals(
    client: Client, bob: dict[str, Any], link: Callable[..., Any], sim_user: SimUser, signals: list[Any]
) -> None:
    identity_id = link(sim_user, bob["auth"]).json()["identity"]["id"]
    answer = client.delete(f"/auth/identities/{identity_id}/", HTTP_AUTHORIZATION=bob["auth"])
    assert answer.status_code == 204
    assert not Identity.objects.exists()
    assert signals[-1][0] == "unlinked"
    assert signals[-1][1]["identity"].pk == identity_id
    assert signals[-1][1]["user"] == bob["user"]
    # bob still logs in with his password; and the identity can be linked again.
    assert link(sim_user, bob["auth"]).status_code == 201


def test_the_last_way_to_log_in_cannot_be_removed(
    client: Client, sim: SimulatorControl, sim_user: SimUser, wechat_apps: Any, signals: list[Any]
) -> None:
    pair = wechat_login(client, sim, wechat_apps["mp"].app_id, sim_user)
    auth = f"Bearer {pair['access']}"
    user = User.objects.get()
    assert not user.has_usable_password()
    only = Identity.objects.get()
    answer = client.delete(f"/auth/identities/{only.pk}/", HTTP_AUTHORIZATION=auth)
    assert error_of(answer) == (409, "last_login_method")
    assert Identity.objects.count() == 1

    second = link_identity(user, "web", openid="o-web-alice", unionid=sim_user.unionid).identity
    assert second is not None
    assert client.delete(f"/auth/identities/{only.pk}/", HTTP_AUTHORIZATION=auth).status_code == 204
    assert error_of(client.delete(f"/auth/identities/{second.pk}/", HTTP_AUTHORIZATION=auth)) == (
        409,
        "last_login_method",
    )
    user.set_password("now-a-password-1")
    user.save()  # which ends the user's sessions: log in again, with the password
    pair = client.post(
        "/auth/token/",
        {"username": user.username, "password": "now-a-password-1"},
        content_type="application/json",
    ).json()
    auth = f"Bearer {pair['access']}"
    assert client.delete(f"/auth/identities/{second.pk}/", HTTP_AUTHORIZATION=auth).status_code == 204
    assert [name for name, _ in signals if name == "unlinked"] == ["unlinked", "unlinked"]


@pytest.mark.parametrize("identity_id", ["abc", "0", "-1", "1e3", "9" * 40, "%00", "\uff11"])
def test_an_odd_or_foreign_identity_id_is_404(client: Client, bob: dict[str, Any], identity_id: str) -> None:
    other = link_identity(User.objects.create_user(username="other"), "web", openid="o-other").identity
    assert other is not None
    for target in (identity_id, str(other.pk)):
        answer = client.delete(f"/auth/identities/{target}/", HTTP_AUTHORIZATION=bob["auth"])
        assert error_of(answer) == (404, "not_found"), target
    assert Identity.objects.filter(pk=other.pk).exists()


# --------------------------------------------------------------------------- website QR link ticket


def start_link_ticket(client: Client, sim: SimulatorControl, auth: str) -> QRLogin:
    response = client.post("/auth/website/web/qr/", HTTP_AUTHORIZATION=auth)
    assert response.status_code == 200, response.content
    return QRLogin(client, sim, response.json())


def test_a_qr_link_ticket_links_instead_of_logging_in(
    client: Client,
    sim: SimulatorControl,
    bob: dict[str, Any],
    sim_user: SimUser,
    wechat_apps: Any,
    signals: list[Any],
) -> None:
    ticket = start_link_ticket(client, sim, bob["auth"])
    page = ticket.callback(sim_user.id)
    assert page.status_code == 200
    assert "WeChat linked" in page.content.decode()
    answer = ticket.poll()
    assert answer.status_code == 200
    body = answer.json()
    assert body["status"] == "linked"
    assert "access" not in body
    assert "refresh" not in body
    identity = Identity.objects.get()
    assert body["identity"]["id"] == identity.pk
    assert identity.user == bob["user"]
    assert identity.openid == sim_user.openid(wechat_apps["web"].app_id)
    assert JWTSession.objects.count() == 1  # nobody was logged in
    assert [name for name, _ in signals] == ["linked"]


def test_a_qr_link_of_another_users_identity_fails_the_ticket(
    client: Client, sim: SimulatorControl, bob: dict[str, Any], sim_user: SimUser, wechat_apps: Any
) -> None:
    wechat_login(client, sim, wechat_apps["mp"].app_id, sim_user)  # the person is another user already
    ticket = start_link_ticket(client, sim, bob["auth"])
    page = ticket.callback(sim_user.id)
    assert page.status_code == 409
    body = ticket.poll().json()
    assert body["status"] == "failed"
    assert body["error"]["code"] == "identity_taken"
    assert not Identity.objects.filter(user=bob["user"]).exists()


def test_a_qr_ticket_with_a_refused_token_is_401(client: Client, wechat_apps: Any) -> None:
    answer = client.post("/auth/website/web/qr/", HTTP_AUTHORIZATION="Bearer not-a-token")
    assert error_of(answer) == (401, "invalid_token")


def test_a_link_ticket_of_a_user_disabled_since_is_refused(
    client: Client, sim: SimulatorControl, bob: dict[str, Any], sim_user: SimUser, wechat_apps: Any
) -> None:
    ticket = start_link_ticket(client, sim, bob["auth"])
    User.objects.filter(pk=bob["user"].pk).update(is_active=False)
    page = ticket.callback(sim_user.id)
    assert page.status_code == 403
    assert ticket.poll().json()["status"] == "failed"
    assert not Identity.objects.exists()


# --------------------------------------------------------------------------- Python API


def test_link_identity_runs_the_pipeline_for_the_given_user(signals: list[Any]) -> None:
    user = User.objects.create_user(username="carol", password="pw")
    ctx = link_identity(user, "web", openid="o-carol", unionid="u-carol", response={"nickname": "Carol"})
    assert ctx.user == user
    assert ctx.is_new_identity
    assert not ctx.is_new_user
    assert ctx.identity is not None
    assert (ctx.identity.user, ctx.identity.unionid, ctx.identity.provider) == (user, "u-carol", "website")
    assert len(signals) == 1
    again = link_identity(user, "web", openid="o-carol")
    assert not again.is_new_identity
    with pytest.raises(IdentityTakenError):
        link_identity(User.objects.create_user(username="dave"), "web", openid="o-carol")
    with pytest.raises(IdentityTakenError):
        link_identity(User.objects.create_user(username="erin"), "mp", openid="o-erin-mp", unionid="u-carol")
    assert Identity.objects.count() == 1


def test_unlink_identity_refuses_and_removes() -> None:
    user = User.objects.create_user(username="frank")
    user.set_unusable_password()
    user.save()
    identity = link_identity(user, "web", openid="o-frank").identity
    assert identity is not None
    with pytest.raises(LastLoginMethodError):
        unlink_identity(user, identity.pk)
    with pytest.raises(NotFoundError):
        unlink_identity(User.objects.create_user(username="gina", password="pw"), identity.pk)
    user.set_password("pw-frank-1")
    user.save()
    assert unlink_identity(user, str(identity.pk)).pk == identity.pk
    assert not Identity.objects.exists()
