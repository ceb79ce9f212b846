"""A read that refills the session cache while the session is revoked must not cache it.

The interleaving is forced, not hoped for: a database execute wrapper (Django's own hook) runs
the revocation right after the reading request has fetched the session row and before it writes
the record to the cache - the exact window of the race.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import jwt
import pytest
from django.conf import settings
from django.db import connection, transaction
from django.test import override_settings

import djwechat.jwt
from djwechat.jwt.models import JWTSession
from djwechat.jwt.record_cache import purge
from djwechat.jwt.session_store import SessionStore
from tests.jwt.conftest import API, assert_refused

pytestmark = pytest.mark.urls("tests.jwt.views")


def sid(pair: dict[str, Any]) -> str:
    return str(jwt.decode(pair["access"], options={"verify_signature": False})["sid"])


@contextmanager
def local_cache(seconds: int) -> Iterator[None]:
    with override_settings(
        WECHAT={**settings.WECHAT, "JWT": {**settings.WECHAT["JWT"], "SESSION_CACHE_SECONDS": seconds}}
    ):
        yield


@contextmanager
def after_session_read(action: Callable[[], Any]) -> Iterator[list[bool]]:
    """Run ``action`` once, right after the next SELECT of a session row on this connection."""
    done: list[bool] = []

    def wrapper(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        result = execute(sql, params, many, context)
        if not done and sql.lstrip().upper().startswith("SELECT") and "djwechat_jwt_jwtsession" in sql:
            done.append(True)
            action()
        return result

    with connection.execute_wrapper(wrapper):
        yield done


REVOCATIONS: dict[str, Callable[[str, Any], Any]] = {
    "store.delete": lambda key, user: SessionStore(key).delete(),
    "revoke_user_sessions": lambda key, user: djwechat.jwt.revoke_user_sessions(user),
    "queryset.delete": lambda key, user: JWTSession.objects.filter(session_key=key).delete(),
}


@pytest.mark.django_db
@pytest.mark.parametrize("local_seconds", [0, 60])
@pytest.mark.parametrize("revoke", list(REVOCATIONS))
def test_a_refill_racing_a_revocation_caches_nothing(
    api: API, issue: Callable[..., dict[str, Any]], user: Any, revoke: str, local_seconds: int
) -> None:
    pair = issue()
    key = sid(pair)
    with local_cache(local_seconds):
        purge(key, "default")  # a cold cache: the next read goes to the database and refills the cache
        with after_session_read(lambda: REVOCATIONS[revoke](key, user)) as done:
            # The reader fetched the row before the revocation: answering this one request is
            # what any request that started before a logout gets.
            assert SessionStore(key).load_record() is not None
        assert done == [True]
        assert not JWTSession.objects.filter(session_key=key).exists()
        # ... but nothing it cached may outlive the revocation.
        assert SessionStore(key).load_record() is None
        assert_refused(api.get("/auth/me/", pair["access"]), "session_revoked")


@pytest.mark.django_db
def test_a_refill_racing_a_refresh_does_not_cache_the_old_expiry(
    api: API, issue: Callable[..., dict[str, Any]]
) -> None:
    pair = issue()
    key = sid(pair)
    purge(key, "default")
    with after_session_read(lambda: api.post("/auth/token/refresh/", {"refresh": pair["refresh"]})):
        before = SessionStore(key).load_record()
    assert before is not None
    expire_date = JWTSession.objects.get(session_key=key).expire_date.timestamp()
    assert before.expires < expire_date  # the read predates the rotation
    after = SessionStore(key).load_record()
    assert after is not None
    assert after.expires == expire_date


@pytest.mark.server_db
@pytest.mark.django_db(transaction=True)
def test_a_refill_while_the_revoking_transaction_is_open(
    transactional_db: Any, issue: Callable[..., dict[str, Any]], api: API
) -> None:
    """Another connection re-reads the row while the delete is not committed yet.

    With Redis the reader sees the doomed row and refills the cache before the commit.  The
    database cache is written inside the revoking transaction, so there the reader may instead
    wait for the commit (on a cache row the purge locked) and read or write after it; every
    order must leave nothing behind.
    """
    pair = issue()
    key = sid(pair)
    deleted, reread = threading.Event(), threading.Event()

    def revoke_in_a_transaction() -> None:
        try:
            with transaction.atomic():
                SessionStore(key).delete()  # purges now, and again at commit
                deleted.set()
                reread.wait(timeout=2)  # a reader waiting for this commit cannot finish first
        finally:
            connection.close()

    revoker = threading.Thread(target=revoke_in_a_transaction)
    revoker.start()
    assert deleted.wait(timeout=10)
    first = SessionStore(key).load_record()
    if not settings.CACHES["default"]["BACKEND"].endswith("DatabaseCache"):
        assert first is not None  # still visible to this connection: the read refilled the cache
    reread.set()
    revoker.join(timeout=10)
    assert not revoker.is_alive()
    assert SessionStore(key).load_record() is None
    assert_refused(api.get("/auth/me/", pair["access"]), "session_revoked")
