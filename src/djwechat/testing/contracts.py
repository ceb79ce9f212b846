"""Contract tests for what a project may swap, in the manner of Django's ``SessionTestsMixin``.

Mix one into a test case of the project and run it against the piece the project chose: the test
methods prove that the swapped piece still honours what djwechat relies on.

:class:`SharedCacheContract`
    The cache named by ``WECHAT["CACHE_ALIAS"]`` holds the access token, its refresh lock, the
    login locks and the push dedupe keys.  A project that points it at another backend (a
    Redis cluster, memcached, its own class) proves that ``cache.add`` elects one caller among
    threads, that the lock is released only by its owner, that a push is claimed once and its
    answer reaches the retries, and that concurrent token readers cause one fetch::

        class OurCache(SharedCacheContract, TransactionTestCase):
            cache_alias = "shared"

:class:`PipelineContract`
    A project that changes ``WECHAT["LOGIN"]["PIPELINE"]`` proves that a first login makes one
    user and one identity and that the next login of the same person finds them::

        class OurPipeline(PipelineContract, TransactionTestCase):
            def make_context(self, openid):
                return LoginContext(request=None, app=..., provider=..., openid=openid)

:class:`UserClaimsContract`
    A project that replaces ``WECHAT["JWT"]["USER_TO_PAYLOAD"]`` / ``["PAYLOAD_TO_USER"]`` (users
    named by a public UUID, say) proves that the claims name one user, lead back to it, and that
    claims naming nobody give ``None`` instead of an error::

        class OurClaims(UserClaimsContract, TestCase):
            def make_user(self):
                return User.objects.create(username=uuid.uuid4().hex)
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable, Sequence
from typing import Any, ClassVar

from django.contrib.auth.base_user import AbstractBaseUser
from django.core.cache import caches

from djwechat._internal.cacheio import CacheIO
from djwechat._internal.cachelock import CacheLock
from djwechat._internal.concurrency import run_sync
from djwechat._internal.imports import import_hook
from djwechat.accounts.models import Identity
from djwechat.client.access_tokens import AccessTokenManager
from djwechat.client.types import AccessToken
from djwechat.conf import get_settings
from djwechat.jwt.sessions import identity_claims
from djwechat.login.pipeline import LoginContext, Step, run_pipeline
from djwechat.messaging.dedupe import DeliveryLedger

__all__ = ["PipelineContract", "SharedCacheContract", "UserClaimsContract"]

_THREADS = 8


def _together(count: int, work: Callable[[int], Any]) -> list[Any]:
    """``work(i)`` in ``count`` threads released at once; their results in order."""
    barrier = threading.Barrier(count)
    results: list[Any] = [None] * count
    errors: list[BaseException] = []

    def run(index: int) -> None:
        try:
            barrier.wait(10)
            results[index] = work(index)
        except BaseException as exc:  # reported in the test's thread
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    if errors:
        raise errors[0]
    return results


class SharedCacheContract:
    """What djwechat needs of the shared cache (see the module docstring).

    Mix into a ``TransactionTestCase`` (the threads need their own database connections when
    the cache is the database cache); set :attr:`cache_alias`.
    """

    #: The alias of the cache under test.
    cache_alias: ClassVar[str] = "default"

    def _key(self, name: str) -> str:
        return f"djwechat:contract:{name}:{uuid.uuid4().hex}"

    def test_add_elects_exactly_one_of_concurrent_callers(self) -> None:
        key = self._key("add")
        cache = caches[self.cache_alias]
        won = _together(_THREADS, lambda i: bool(caches[self.cache_alias].add(key, i, 30)))
        assert won.count(True) == 1, won
        assert cache.get(key) == won.index(True)
        cache.delete(key)

    def test_the_lock_is_released_only_by_its_owner(self) -> None:
        io = CacheIO(self.cache_alias)
        key = self._key("lock")
        first, second = CacheLock(io, key, timeout=30), CacheLock(io, key, timeout=30)
        assert run_sync(first.acquire())
        assert not run_sync(second.acquire())
        # The first holder overran its lifetime and someone else holds the key now.
        io.cache.set(key, "someone-else", 30)
        run_sync(first.release())
        assert io.cache.get(key) == "someone-else"
        io.cache.delete(key)
        assert run_sync(second.acquire())
        run_sync(second.release())
        assert io.cache.get(key) is None

    def test_a_push_is_claimed_once_and_its_answer_reaches_the_retries(self) -> None:
        ledger = DeliveryLedger(caches[self.cache_alias], prefix=self._key("dedupe"), ttl=60)
        claims = _together(_THREADS, lambda i: ledger.claim("push-1"))
        assert claims.count(True) == 1, claims
        assert ledger.wait("push-1", 0.05) is None  # still pending
        ledger.record("push-1", "<xml>reply</xml>")
        assert ledger.wait("push-1", 0.05) == "<xml>reply</xml>"
        assert ledger.wait("never-claimed", 0.05) is None

    def test_concurrent_token_readers_cause_one_fetch(self) -> None:
        fetches: list[bool] = []

        def fetch(force: bool) -> AccessToken:
            fetches.append(force)
            return AccessToken(token=f"token-{len(fetches)}", expires_in=7200)

        key = self._key("token")
        managers = [
            AccessTokenManager(fetch=fetch, key=key, cache_alias=self.cache_alias) for _ in range(_THREADS)
        ]
        tokens = _together(_THREADS, lambda i: managers[i].token())
        assert len(fetches) == 1, fetches
        assert set(tokens) == {"token-1"}
        caches[self.cache_alias].delete(key)


def _step(step: str | Step) -> Step:
    return import_hook(step) if isinstance(step, str) else step


class PipelineContract:
    """What djwechat needs of a login pipeline (see the module docstring).

    Mix into a ``TransactionTestCase``; implement :meth:`make_context`; set :attr:`steps` to
    test a pipeline other than ``WECHAT["LOGIN"]["PIPELINE"]``.
    """

    #: Dotted paths or callables of the steps; ``None``: the configured pipeline.
    steps: ClassVar[Sequence[str | Step] | None] = None

    def make_context(self, openid: str) -> LoginContext:
        """A context as a flow makes it once WeChat named the user ``openid`` (a new person)."""
        raise NotImplementedError

    def _run(self, openid: str) -> LoginContext:
        steps = None if self.steps is None else [_step(step) for step in self.steps]
        return run_pipeline(self.make_context(openid), steps=steps)

    def test_a_first_login_makes_one_user_and_one_identity(self) -> None:
        openid = f"o-contract-{uuid.uuid4().hex}"
        done = self._run(openid)
        assert done.user is not None
        assert done.user.pk is not None
        assert done.is_new_user
        identities = Identity.objects.filter(openid=openid)
        assert [identity.user_id for identity in identities] == [done.user.pk]

    def test_the_next_login_finds_the_same_user(self) -> None:
        openid = f"o-contract-{uuid.uuid4().hex}"
        first = self._run(openid)
        again = self._run(openid)
        assert again.user.pk == first.user.pk
        assert not again.is_new_user
        assert Identity.objects.filter(openid=openid).count() == 1


class UserClaimsContract:
    """What djwechat needs of the ``USER_TO_PAYLOAD`` / ``PAYLOAD_TO_USER`` hooks (see the module docstring).

    Mix into a ``TestCase``; implement :meth:`make_user`.
    """

    def make_user(self) -> AbstractBaseUser:
        """A new, active, saved user of the project."""
        raise NotImplementedError

    def _payload_to_user(self, claims: dict[str, Any]) -> AbstractBaseUser | None:
        found: AbstractBaseUser | None = import_hook(get_settings().jwt.payload_to_user)(claims)
        return found

    def test_the_claims_lead_back_to_their_user(self) -> None:
        user = self.make_user()
        claims = identity_claims(user)  # TypeError unless ``sub`` is a non-empty string
        found = self._payload_to_user({**claims, "sid": "contract", "typ": "access"})
        assert found is not None, claims
        assert found.pk == user.pk

    def test_two_users_get_two_subjects(self) -> None:
        first, second = self.make_user(), self.make_user()
        assert identity_claims(first)["sub"] != identity_claims(second)["sub"]

    def test_a_deleted_user_is_none_not_an_error(self) -> None:
        user = self.make_user()
        claims = identity_claims(user)
        user.delete()
        assert self._payload_to_user(claims) is None

    def test_claims_that_name_nobody_are_none(self) -> None:
        for claims in ({}, {"sub": ""}, {"sub": None}, {"sub": "not-a-key"}, {"sub": "999999999"}):
            assert self._payload_to_user(dict(claims)) is None, claims
