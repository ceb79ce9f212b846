"""The sessions admin: usable by staff, revokes like logout, and never shows or routes by a session key."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from html import unescape
from typing import Any
from urllib.parse import urljoin, urlsplit

import jwt
import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.admin.models import LogEntry
from django.contrib.auth.models import Permission
from django.core.cache import cache
from django.test import Client

from djwechat.jwt.models import JWTSession
from djwechat.jwt.record_cache import record_key
from djwechat.jwt.session_store import SessionStore
from tests.jwt.conftest import API, assert_refused

pytestmark = [pytest.mark.urls("tests.jwt.admin_urls"), pytest.mark.django_db]

CHANGELIST = "/admin/djwechat_jwt/jwtsession/"
WECHAT_SESSION_KEY = "wx-session-key-tiAbc9Pq0Zs1Lm"
HREF = re.compile(r"""(?:href|action)="([^"]*)\"""")


@pytest.fixture
def admin_client(make_user: Callable[..., Any]) -> Client:
    client = Client()
    client.force_login(make_user("root", is_staff=True, is_superuser=True))
    return client


@pytest.fixture
def pairs(
    issue: Callable[..., dict[str, Any]], user: Any, make_user: Callable[..., Any]
) -> list[dict[str, Any]]:
    """Two sessions of alice and one of bob, each holding a WeChat session key."""
    bob = make_user("bob")
    return [
        issue(user, session_data={"wechat_session_key": WECHAT_SESSION_KEY}),
        issue(user, session_data={"wechat_session_key": WECHAT_SESSION_KEY}),
        issue(bob, session_data={"wechat_session_key": WECHAT_SESSION_KEY}),
    ]


def secrets_of_sessions() -> set[str]:
    """Every value that must never reach an admin page or URL."""
    rows = JWTSession.objects.values_list("session_key", "session_data", "refresh_id")
    return {value for row in rows for value in row if value} | {WECHAT_SESSION_KEY}


def assert_clean(secrets: set[str], *texts: str) -> None:
    for text in texts:
        for secret in secrets:
            assert secret not in text, f"a session secret leaked into: {text[:200]!r}"


def links(html: str, base: str) -> Iterator[str]:
    for raw in HREF.findall(html):
        url = urljoin(base, unescape(raw))
        if urlsplit(url).path.startswith("/admin/"):
            yield url


def crawl(client: Client, start: list[str], secrets: set[str], limit: int = 80) -> list[str]:
    """GET ``start`` and every session-admin link found on the way; each page must be clean."""
    seen: list[str] = []
    queue = list(start)
    while queue and len(seen) < limit:
        url = queue.pop(0)
        if url in seen:
            continue
        seen.append(url)
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
        html = response.content.decode()
        assert_clean(secrets, url, html)
        queue += [u for u in links(html, url) if CHANGELIST in u and u not in seen]
    return seen


def session_key_of(pair: dict[str, Any]) -> str:
    return str(jwt.decode(pair["access"], options={"verify_signature": False})["sid"])


def public_ids(*owners: Any) -> list[str]:
    return list(JWTSession.objects.filter(user__in=owners).values_list("public_id", flat=True))


def test_pages_render_for_a_superuser_without_any_session_secret(
    admin_client: Client, pairs: list[dict[str, Any]], user: Any
) -> None:
    secrets = secrets_of_sessions()
    assert len(secrets) >= 3 * 2 + 1  # keys and refresh ids at least (equal data encodes alike)
    visited = crawl(
        admin_client,
        ["/admin/", "/admin/djwechat_jwt/", CHANGELIST, f"{CHANGELIST}?q=alice", f"{CHANGELIST}?status=live"],
        secrets,
    )
    # The crawl went through the filters, the sort links and the date hierarchy.
    assert any("status=expired" in url for url in visited)
    assert any("o=" in url for url in visited)
    assert any("created_at__year" in url for url in visited)
    changelist = admin_client.get(CHANGELIST).content.decode()
    for public_id in public_ids(user):
        assert f'value="{public_id}"' in changelist  # the row's checkbox
    assert "pytest-device/1.0" in changelist
    assert "203.0.113.7" in changelist
    # The user pages list the sessions that go with the user (delete confirmation) as plain text.
    for page in ("change", "delete", "history"):
        response = admin_client.get(f"/admin/users/user/{user.pk}/{page}/")
        assert response.status_code == 200
        assert_clean(secrets, response.content.decode())
    assert public_ids(user)[0] in admin_client.get(f"/admin/users/user/{user.pk}/delete/").content.decode()


def test_search_by_user(admin_client: Client, pairs: list[dict[str, Any]], user: Any) -> None:
    html = admin_client.get(CHANGELIST, {"q": "bob@example"}).content.decode()
    bob_ids = public_ids(type(user).objects.get(username="bob"))
    assert all(pid in html for pid in bob_ids)
    assert not any(pid in html for pid in public_ids(user))


def test_status_filter_separates_expired_sessions(
    admin_client: Client, pairs: list[dict[str, Any]], user: Any
) -> None:
    # Both ids read once: an unordered query may list the updated row last on PostgreSQL.
    expired, still_live = public_ids(user)[:2]
    JWTSession.objects.filter(public_id=expired).update(expire_date="2000-01-01T00:00:00Z")
    assert expired in admin_client.get(CHANGELIST, {"status": "expired"}).content.decode()
    live = admin_client.get(CHANGELIST, {"status": "live"}).content.decode()
    assert expired not in live
    assert still_live in live


# The test itself puts a session key in a URL, which Django logs as a 404.
@pytest.mark.logs_secrets
@pytest.mark.parametrize(
    "suffix", ["{key}/change/", "{key}/delete/", "{key}/history/", "{key}/", "add/", "{pid}/change/"]
)
def test_no_view_is_routed_by_key_or_id(
    admin_client: Client, pairs: list[dict[str, Any]], user: Any, suffix: str
) -> None:
    session = JWTSession.objects.filter(user=user).first()
    assert session is not None
    url = CHANGELIST + suffix.format(key=session.session_key, pid=session.public_id)
    assert admin_client.get(url).status_code == 404
    assert admin_client.post(url, {"post": "yes"}).status_code == 404
    assert JWTSession.objects.filter(pk=session.pk).exists()


@pytest.mark.parametrize(
    "lookup",
    [
        "session_key__startswith",
        "pk__startswith",
        "session_data__contains",
        "refresh_id__startswith",
        "user__jwt_sessions__session_key__startswith",
    ],
)
def test_url_lookups_cannot_probe_secrets(
    admin_client: Client, pairs: list[dict[str, Any]], lookup: str
) -> None:
    response = admin_client.get(CHANGELIST, {lookup: "a"})
    assert response.status_code == 400


def test_revoke_action_ends_the_sessions_like_logout(
    admin_client: Client, pairs: list[dict[str, Any]], user: Any, api: API
) -> None:
    secrets = secrets_of_sessions()
    for pair in pairs:  # every session's record is in the shared cache
        assert api.get("/auth/me/", pair["access"]).status_code == 200
    target = JWTSession.objects.get(session_key=session_key_of(pairs[0]))
    assert target.user_id == user.pk
    assert cache.get(record_key(target.session_key)) is not None

    response = admin_client.post(
        CHANGELIST,
        {"action": "revoke_selected", ACTION_CHECKBOX_NAME: [target.public_id], "index": 0},
        follow=True,
    )
    assert response.status_code == 200
    assert "Revoked 1 session." in response.content.decode()
    assert_clean(secrets, response.content.decode(), *(url for url, _ in response.redirect_chain))

    assert not JWTSession.objects.filter(pk=target.pk).exists()
    assert cache.get(record_key(target.session_key)) is None
    assert SessionStore(target.session_key).load_record() is None
    assert_refused(api.get("/auth/me/", pairs[0]["access"]), "session_revoked")
    for pair in pairs[1:]:
        assert api.get("/auth/me/", pair["access"]).status_code == 200
    # Logged against the user, naming the public id only.
    entry = LogEntry.objects.get()
    assert entry.object_id == str(user.pk)
    assert target.public_id in entry.get_change_message()
    assert_clean(secrets, entry.object_id, entry.object_repr, entry.change_message)


def test_revoke_all_of_a_search(
    admin_client: Client, pairs: list[dict[str, Any]], user: Any, api: API
) -> None:
    response = admin_client.post(
        f"{CHANGELIST}?q=alice",
        {
            "action": "revoke_selected",
            ACTION_CHECKBOX_NAME: public_ids(user)[:1],
            "select_across": "1",
            "index": 0,
        },
    )
    assert response.status_code == 302
    assert not JWTSession.objects.filter(user=user).exists()
    assert JWTSession.objects.count() == 1
    for pair in pairs[:2]:
        assert_refused(api.get("/auth/me/", pair["access"]), "session_revoked")


def test_a_posted_session_key_selects_nothing(admin_client: Client, pairs: list[dict[str, Any]]) -> None:
    keys = list(JWTSession.objects.values_list("session_key", flat=True))
    response = admin_client.post(
        CHANGELIST, {"action": "revoke_selected", ACTION_CHECKBOX_NAME: keys, "index": 0}, follow=True
    )
    assert "Items must be selected" in response.content.decode()
    assert JWTSession.objects.count() == 3


def test_no_other_actions_are_offered(admin_client: Client, pairs: list[dict[str, Any]]) -> None:
    html = admin_client.get(CHANGELIST).content.decode()
    assert 'value="revoke_selected"' in html
    assert 'value="delete_selected"' not in html
    admin_client.post(
        CHANGELIST,
        {
            "action": "delete_selected",
            ACTION_CHECKBOX_NAME: list(JWTSession.objects.values_list("public_id", flat=True)),
            "index": 0,
        },
    )
    assert JWTSession.objects.count() == 3


def test_permissions(make_user: Callable[..., Any], pairs: list[dict[str, Any]], user: Any) -> None:
    staff = make_user("staff", is_staff=True)
    client = Client()
    client.force_login(staff)
    assert client.get(CHANGELIST).status_code == 403

    staff.user_permissions.add(Permission.objects.get(codename="view_jwtsession"))
    html = client.get(CHANGELIST).content.decode()
    assert public_ids(user)[0] in html
    assert "revoke_selected" not in html
    client.post(CHANGELIST, {"action": "revoke_selected", ACTION_CHECKBOX_NAME: public_ids(user), "index": 0})
    assert JWTSession.objects.count() == 3

    staff.user_permissions.add(Permission.objects.get(codename="delete_jwtsession"))
    client.post(CHANGELIST, {"action": "revoke_selected", ACTION_CHECKBOX_NAME: public_ids(user), "index": 0})
    assert not JWTSession.objects.filter(user=user).exists()


def test_anonymous_is_sent_to_the_login_page(pairs: list[dict[str, Any]]) -> None:
    response = Client().get(CHANGELIST)
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


USER_CHANGELIST = "/admin/users/user/"

#: Lookups from another model's admin that would read a secret column of the sessions.
RELATED_SECRET_LOOKUPS = (
    "jwt_sessions__session_key__startswith",
    "jwt_sessions__pk__startswith",
    "jwt_sessions__session_key__gt",
    "jwt_sessions__session_key__regex",
    "jwt_sessions__session_key__contains",
    "jwt_sessions__session_data__contains",
    "jwt_sessions__refresh_id__startswith",
    "jwt_sessions__previous_refresh_id__startswith",
    "wechat_identities__user__jwt_sessions__session_key__startswith",
)


@pytest.mark.parametrize("lookup", RELATED_SECRET_LOOKUPS)
def test_the_user_admin_is_no_oracle_of_session_secrets(
    admin_client: Client, pairs: list[dict[str, Any]], user: Any, lookup: str
) -> None:
    """The example's user admin (Django's UserAdmin, nothing added): a right and a wrong guess
    of a secret's first characters must get the same answer."""
    session = JWTSession.objects.filter(user=user).first()
    assert session is not None
    JWTSession.objects.filter(pk=session.pk).update(previous_refresh_id="prev-" + session.refresh_id)
    session.refresh_from_db()
    parts = lookup.split("__")
    column = parts[parts.index("jwt_sessions") + 1]
    secret = str(getattr(session, "session_key" if column == "pk" else column))
    right, wrong = (secret[:2], "~~") if parts[-1] != "gt" else ("", "\U0010ffff")
    answers = [admin_client.get(USER_CHANGELIST, {lookup: guess}) for guess in (right, wrong)]
    assert answers[0].status_code == answers[1].status_code, lookup
    bodies = [a.content.decode() for a in answers]
    assert "alice" not in bodies[0] or "alice" in bodies[1], f"{lookup} tells a right guess from a wrong one"
    assert_clean(secrets_of_sessions(), *bodies)
