"""Concurrent links and unlinks (server databases only: SQLite serialises writers).

Each thread has its own connection, so these tests need ``transactional_db``.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.db import connection

from djwechat.accounts.linking import unlink_identity
from djwechat.accounts.models import Identity
from djwechat.exceptions import IdentityTakenError, LastLoginMethodError
from djwechat.login.linking import link_identity
from djwechat.login.pipeline import run_pipeline
from tests.login.helpers import MP_APP, WEB_APP, make_context

pytestmark = [pytest.mark.server_db, pytest.mark.django_db(transaction=True)]

User = get_user_model()


def at_once(calls: list[Callable[[], Any]]) -> list[Any]:
    """Run each call in its own thread, released together; their results or exceptions."""
    barrier = threading.Barrier(len(calls))
    results: list[Any] = [None] * len(calls)

    def run(index: int, call: Callable[[], Any]) -> None:
        try:
            barrier.wait(30)
            results[index] = call()
        except BaseException as exc:
            results[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return results


def test_users_racing_to_link_one_identity_one_wins_the_rest_get_409() -> None:
    users = [User.objects.create_user(username=f"racer-{i}", password="pw") for i in range(8)]
    results = at_once([lambda u=user: link_identity(u, MP_APP, openid="o-contested") for user in users])

    winners = [r for r in results if not isinstance(r, BaseException)]
    losers = [r for r in results if isinstance(r, BaseException)]
    assert len(winners) == 1
    assert all(isinstance(r, IdentityTakenError) for r in losers), losers
    identity = Identity.objects.get()
    assert identity.user == winners[0].user


def test_a_link_racing_a_first_login_of_the_same_person_makes_one_identity() -> None:
    linker = User.objects.create_user(username="linker", password="pw")
    results = at_once(
        [
            lambda: link_identity(linker, WEB_APP, openid="o-web-p", unionid="u-person"),
            lambda: run_pipeline(make_context(MP_APP, openid="o-mp-p", unionid="u-person")),
        ]
    )
    link, login = results
    assert not isinstance(login, BaseException), login
    if isinstance(link, BaseException):
        # The login came first and made the person a user of their own: the link is refused.
        assert isinstance(link, IdentityTakenError)
        assert Identity.objects.count() == 1
        assert login.is_new_user
    else:
        # The link came first: the login found the person by unionid and joined the linker.
        assert login.user == linker
        assert Identity.objects.count() == 2
    assert User.objects.count() == (2 if isinstance(link, BaseException) else 1)
    assert len({row.user_id for row in Identity.objects.all()}) == 1


def test_racing_unlinks_never_remove_the_last_way_to_log_in() -> None:
    user = User.objects.create_user(username="wechat-only")
    user.set_unusable_password()
    user.save()
    ids = [link_identity(user, app, openid=f"o-{app.alias}").identity for app in (MP_APP, WEB_APP)]
    pks = [identity.pk for identity in ids if identity is not None]

    results = at_once([lambda pk=pk: unlink_identity(user, pk) for pk in pks])

    refused = [r for r in results if isinstance(r, BaseException)]
    assert len(refused) == 1
    assert isinstance(refused[0], LastLoginMethodError)
    assert Identity.objects.filter(user=user).count() == 1
