"""Fixtures of the message-server tests: an Official Account configured with the test router."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.core.cache import caches

from djwechat.messaging.registry import get_guard

from . import routers
from .helpers import wechat_settings


@pytest.fixture
def configure(settings: Any, transactional_db: None) -> Callable[..., None]:
    """``configure(MESSAGE_MODE="safe", messages={...})`` sets ``WECHAT`` for one test.

    Transactional: handlers run in pool threads, which must see (and write) the database cache.
    """

    def apply(*, messages: dict[str, Any] | None = None, **app: Any) -> None:
        settings.WECHAT = wechat_settings(messages=messages, **app)

    apply()
    return apply


@pytest.fixture
def configure_threaded(settings: Any, configure: Callable[..., None]) -> Iterator[Callable[..., None]]:
    """``configure`` for tests that push from several threads at once.

    On PostgreSQL + Redis the shared cache is the real one.  On SQLite the test database lives in
    memory, where concurrent writers fail at once instead of waiting ("table is locked"), so
    these tests use a process-local cache there (the same code paths; locmem is atomic too).
    """
    if "sqlite" not in settings.DATABASES["default"]["ENGINE"]:
        yield configure
        return
    settings.CACHES = {
        **settings.CACHES,
        "threads": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "threads"},
    }

    def apply(*, messages: dict[str, Any] | None = None, **app: Any) -> None:
        settings.WECHAT = wechat_settings(messages=messages, cache_alias="threads", **app)

    apply()
    yield apply
    caches["threads"].clear()


@pytest.fixture(autouse=True)
def _reset_router_state() -> Iterator[None]:
    routers.calls.clear()
    routers.release.clear()
    routers.started.clear()
    yield
    # Never leave a handler blocked in the shared pool.
    routers.release.set()
    assert get_guard().wait_idle(10)
