"""djwechat's own pieces honour the contracts it exports for the pieces a project swaps."""

from __future__ import annotations

import uuid
from typing import Any, ClassVar

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.base_user import AbstractBaseUser
from django.test import TestCase, TransactionTestCase, override_settings

from djwechat.login.pipeline import LoginContext
from djwechat.testing.contracts import PipelineContract, SharedCacheContract, UserClaimsContract
from tests.login.helpers import make_context

# On SQLite the test database lives in memory, where concurrent writers fail at once ("table is
# locked"): the threads of the cache contract run on a process-local cache there.  On a server
# database the suite's shared cache (Redis or the database cache) is the one under test.
_SHARED = "sqlite" not in settings.DATABASES["default"]["ENGINE"]
_CACHES = {
    **settings.CACHES,
    "contract": settings.CACHES["default"]
    if _SHARED
    else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "contract"},
}


@override_settings(CACHES=_CACHES)
class TestTheSuiteCache(SharedCacheContract, TransactionTestCase):
    cache_alias: ClassVar[str] = "contract"


class TestTheDefaultPipeline(PipelineContract, TransactionTestCase):
    def make_context(self, openid: str) -> LoginContext:
        return make_context(openid=openid)


class _BrokenPipeline(PipelineContract, TransactionTestCase):
    """A pipeline that forgets ``existing_identity``: the contract must catch it."""

    __test__ = False
    steps: ClassVar[Any] = [
        "djwechat.login.pipeline.steps.create_user",
        "djwechat.login.pipeline.steps.associate_identity",
    ]

    def make_context(self, openid: str) -> LoginContext:
        return make_context(openid=openid)


@pytest.mark.django_db(transaction=True)
def test_the_pipeline_contract_fails_a_pipeline_that_forgets_returning_users() -> None:
    from django.db import IntegrityError

    broken = _BrokenPipeline("test_the_next_login_finds_the_same_user")
    with pytest.raises((AssertionError, IntegrityError)):
        broken.test_the_next_login_finds_the_same_user()


class TestTheDefaultUserClaims(UserClaimsContract, TestCase):
    def make_user(self) -> AbstractBaseUser:
        user: AbstractBaseUser = get_user_model()._default_manager.create(username=uuid.uuid4().hex)
        return user


def payload_to_user_that_raises(claims: dict[str, Any]) -> AbstractBaseUser:
    """A ``PAYLOAD_TO_USER`` that lets ``DoesNotExist`` escape: the contract must catch it."""
    return get_user_model()._default_manager.get(pk=claims["sub"])


@pytest.mark.django_db
def test_the_claims_contract_fails_a_hook_that_raises_for_a_missing_user(settings: Any) -> None:
    jwt = {**settings.WECHAT.get("JWT", {}), "PAYLOAD_TO_USER": f"{__name__}.payload_to_user_that_raises"}
    settings.WECHAT = {**settings.WECHAT, "JWT": jwt}
    broken = TestTheDefaultUserClaims("test_a_deleted_user_is_none_not_an_error")
    with pytest.raises(get_user_model().DoesNotExist):
        broken.test_a_deleted_user_is_none_not_an_error()
