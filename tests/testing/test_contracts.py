"""djwechat's own pieces honour the contracts it exports for the pieces a project swaps."""

from __future__ import annotations

from typing import Any, ClassVar

import pytest
from django.conf import settings
from django.test import TransactionTestCase, override_settings

from djwechat.login.pipeline import LoginContext
from djwechat.testing.contracts import PipelineContract, SharedCacheContract
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
