"""Suite-wide fixtures: service checks, the cache table, a clean cache per test."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest
from django.conf import settings

pytest_plugins = ("tests.secret_logs",)


def _using_server_db() -> bool:
    return "sqlite" not in settings.DATABASES["default"]["ENGINE"]


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--strict-warnings",
        action="store_true",
        help="turn every warning raised from djwechat's or the example site's own code into an error",
    )


def pytest_configure(config: pytest.Config) -> None:
    """Fail at once, never skip, when a configured service does not answer."""
    if config.getoption("--strict-warnings"):
        # Ini-style filters take a regex matched at the start of the module name (``-W`` would
        # match one exact module), so these cover every submodule.
        config.addinivalue_line("filterwarnings", r"error:::djwechat(\.|$)")
        config.addinivalue_line("filterwarnings", r"error:::example(\.|$)")
    redis_url = os.environ.get("REDIS_URL")
    if redis_url:
        import redis

        try:
            redis.Redis.from_url(redis_url, socket_connect_timeout=3).ping()
        except Exception as exc:
            raise pytest.UsageError(f"REDIS_URL={redis_url} does not answer: {exc}") from exc
    database_url = os.environ.get("DATABASE_URL", "")
    try:
        if database_url.startswith(("postgres://", "postgresql://")):
            import psycopg

            psycopg.connect(database_url, connect_timeout=3).close()
        elif database_url.startswith("mysql://"):
            import dj_database_url
            import MySQLdb

            db = dj_database_url.parse(database_url)
            MySQLdb.connect(
                host=db["HOST"],
                port=int(db["PORT"] or 3306),
                user=db["USER"],
                password=db["PASSWORD"],
                connect_timeout=3,
            ).close()
    except Exception as exc:
        raise pytest.UsageError(f"DATABASE_URL={database_url} does not answer: {exc}") from exc


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Tests marked ``server_db`` run only on server databases (SQLite serialises writers), and
    tests marked ``redis`` or ``faults`` only on the pass with ``REDIS_URL`` (the fault tests
    start servers of their own, which one CI leg is enough to exercise)."""
    unwanted = set()
    if not _using_server_db():
        unwanted.add("server_db")
    if not os.environ.get("REDIS_URL"):
        unwanted.update(("redis", "faults"))
    if not unwanted:
        return
    selected, deselected = [], []
    for item in items:
        wanted = not any(item.get_closest_marker(name) for name in unwanted)
        (selected if wanted else deselected).append(item)
    if deselected:
        config.hook.pytest_deselected(items=deselected)
        items[:] = selected


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup: Any, django_db_blocker: Any) -> Iterator[None]:
    """Create the database cache table in the test database (the embedded default cache)."""
    from django.core.management import call_command

    with django_db_blocker.unblock():
        call_command("createcachetable", verbosity=0)
    return


@pytest.fixture(autouse=True)
def _clean_state(django_db_setup: Any, django_db_blocker: Any) -> Iterator[None]:
    """Every test starts with freshly parsed settings and leaves an empty cache behind."""
    from djwechat.conf import reset_settings
    from tests.shared_cache import clear_worker_cache

    reset_settings()
    yield
    reset_settings()
    with django_db_blocker.unblock():
        clear_worker_cache()
