"""Concurrent first logins of one person create exactly one user (PostgreSQL only).

Threads have their own database connections, so these tests need ``transactional_db`` and a
server database; SQLite serialises writers and cannot show a race.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.db import connection

from djwechat.accounts.models import Identity
from djwechat.conf import DEFAULT_PIPELINE
from djwechat.login.pipeline import LoginContext, run_pipeline
from tests.login import steps as test_steps
from tests.login.helpers import MP_APP, OA_APP, WEB_APP, make_context

pytestmark = [pytest.mark.server_db, pytest.mark.django_db(transaction=True)]

User = get_user_model()


def run_concurrently(contexts: list[LoginContext]) -> list[LoginContext]:
    """Run one pipeline per context, each in its own thread, all released at the same moment."""
    barrier = threading.Barrier(len(contexts))
    results: list[Any] = [None] * len(contexts)

    def login(index: int, ctx: LoginContext) -> None:
        try:
            barrier.wait(30)
            results[index] = run_pipeline(ctx)
        except BaseException as exc:
            results[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=login, args=(i, ctx)) for i, ctx in enumerate(contexts)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    errors = [r for r in results if isinstance(r, BaseException)]
    assert errors == []
    return results


def test_fifty_first_logins_of_one_person_make_one_user() -> None:
    done = run_concurrently([make_context(openid="o-crowd") for _ in range(50)])

    assert User.objects.count() == 1
    assert Identity.objects.count() == 1
    user = User.objects.get()
    assert {ctx.user.pk for ctx in done} == {user.pk}
    assert sum(ctx.is_new_user for ctx in done) == 1


def test_a_lost_race_is_rolled_back_and_joins_the_winner(settings: Any) -> None:
    steps = list(DEFAULT_PIPELINE)
    steps.insert(
        steps.index("djwechat.login.pipeline.steps.associate_identity"), "tests.login.steps.race_once"
    )
    settings.WECHAT = {**settings.WECHAT, "LOGIN": {**settings.WECHAT["LOGIN"], "PIPELINE": tuple(steps)}}
    test_steps.RACES.clear()

    ctx = run_pipeline(make_context(openid="o-race"))

    assert test_steps.RACES == ["o-race"]
    # The rival committed first; this login created a user too, rolled it back and took the rival's.
    assert User.objects.count() == 1
    assert Identity.objects.count() == 1
    assert ctx.user == Identity.objects.get().user
    assert not ctx.is_new_user
    assert not ctx.is_new_identity


@pytest.mark.parametrize("apps", [(MP_APP, WEB_APP), (MP_APP, WEB_APP, OA_APP)])
def test_concurrent_first_logins_in_several_apps_with_one_unionid_make_one_user(
    apps: tuple[Any, ...],
) -> None:
    contexts = [
        make_context(app, openid=f"o-{app.alias}", unionid="u-one-person") for app in apps for _ in range(8)
    ]

    done = run_concurrently(contexts)

    assert User.objects.count() == 1
    assert Identity.objects.count() == len(apps)
    assert {ctx.user.pk for ctx in done} == {User.objects.get().pk}
    assert set(Identity.objects.values_list("unionid", flat=True)) == {"u-one-person"}


def test_many_different_people_at_once_each_get_their_own_user() -> None:
    make: Callable[[int], LoginContext] = lambda i: make_context(openid=f"o-person-{i % 10}")  # noqa: E731
    run_concurrently([make(i) for i in range(30)])
    assert User.objects.count() == 10
    assert Identity.objects.count() == 10
