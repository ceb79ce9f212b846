"""In-process cost of one authenticated request: JWT sessions vs Django's cookie session + auth.

Every row runs the same tiny view (it reads the user's primary key) behind a different middleware
stack, on requests built fresh for each call:

* ``view alone``                - no middleware: the floor every other row includes;
* ``jwt, no token``             - JWTSessionMiddleware on an anonymous request;
* ``jwt, strict``               - a valid access token, session checked in the shared cache
                                   (the default: every revocation is seen at once);
* ``jwt, process cache 30 s``   - ``SESSION_CACHE_SECONDS=30``: the check is served from memory;
* ``jwt + load user``           - strict, and the view also reads ``username`` (one user query);
* ``django db session + auth``  - SessionMiddleware + AuthenticationMiddleware, database sessions;
* ``django cached_db + auth``   - the same with the ``cached_db`` engine on the same cache.

Django's ``request.user.pk`` loads the user row on every request; ``request.jwt_user.pk`` does
not, so the last column compares like for like: what each stack adds over the bare view.

Run: ``.venv/bin/python bench/bench_middleware.py`` (SQLite in memory + Django's database
cache, the embedded default; a few seconds).  With ``DATABASE_URL`` and ``REDIS_URL`` set it
runs a second time on PostgreSQL + Redis.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "src"), str(ROOT)]

#: Seconds spent measuring each row (after a warm-up).
ROW_SECONDS = float(os.environ.get("BENCH_ROW_SECONDS", "0.5"))
SIGNING_KEY = "bench-jwt-signing-key-0123456789abcdef"


def configure(server: bool) -> str:
    """Configure Django for this process; returns a label of the backends."""
    import django
    from django.conf import settings

    if server:
        import dj_database_url

        database = dj_database_url.parse(os.environ["DATABASE_URL"])
        database["NAME"] = _bench_database(os.environ["DATABASE_URL"])
        cache = {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": os.environ["REDIS_URL"],
            "KEY_PREFIX": "bench",
        }
        label = "PostgreSQL + Redis"
    else:
        database = {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}
        cache = {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "bench_cache"}
        label = "SQLite (memory) + database cache"
    settings.configure(
        DEBUG=False,
        SECRET_KEY="bench-secret-key-0123456789abcdefghijklmnopqrstuvwxyz",
        ALLOWED_HOSTS=["*"],
        USE_TZ=True,
        INSTALLED_APPS=[
            "django.contrib.auth",
            "django.contrib.contenttypes",
            "django.contrib.sessions",
            "djwechat.jwt",
        ],
        DATABASES={"default": database},
        CACHES={"default": cache},
        PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
        ROOT_URLCONF=__name__,
        WECHAT={"JWT": {"SIGNING_KEY": SIGNING_KEY}},
    )
    django.setup()
    return label


urlpatterns: list[Any] = []


def _bench_database(url: str) -> str:
    """A database of the benchmark's own (``BENCH_DB_NAME``, default ``djwechat_bench``), created if missing."""
    import psycopg

    name = os.environ.get("BENCH_DB_NAME", "djwechat_bench")
    with psycopg.connect(url, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')
    return name


def measure(stacks: list[tuple[str, Callable[[], Any]]], rounds: int = 7) -> list[tuple[str, float]]:
    """Median microseconds per call of each stack.

    Rounds are interleaved (A B C … A B C …) so that noise from other processes on the machine
    spreads over every row instead of landing on one.
    """
    per_round: dict[str, int] = {}
    for name, call in stacks:
        for _ in range(50):
            call()
        start, calls = time.perf_counter(), 0
        while time.perf_counter() - start < 0.05:
            call()
            calls += 1
        per_round[name] = max(20, int(calls * ROW_SECONDS / rounds / 0.05))
    samples: dict[str, list[float]] = {name: [] for name, _ in stacks}
    for _ in range(rounds):
        for name, call in stacks:
            count = per_round[name]
            t0 = time.perf_counter_ns()
            for _ in range(count):
                call()
            samples[name].append((time.perf_counter_ns() - t0) / count / 1000)
    return [(name, statistics.median(samples[name])) for name, _ in stacks]


def run(server: bool) -> None:
    label = configure(server)
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, get_user_model
    from django.contrib.sessions.backends import cached_db, db
    from django.core.management import call_command
    from django.http import HttpRequest, HttpResponse
    from django.test import RequestFactory, override_settings

    import djwechat.jwt
    from djwechat.jwt.middleware import JWTSessionMiddleware

    call_command("migrate", verbosity=0, run_syncdb=True)
    if not server:
        call_command("createcachetable", verbosity=0)
    user_model = get_user_model()
    user_model.objects.filter(username="bench").delete()
    user = user_model.objects.create_user("bench", password="bench-password")
    factory = RequestFactory()
    token = djwechat.jwt.login(factory.post("/"), user)["access"]

    def jwt_view(request: HttpRequest) -> HttpResponse:
        return HttpResponse(str(request.jwt_user.pk if request.jwt_user else ""))  # type: ignore[attr-defined]

    def jwt_user_view(request: HttpRequest) -> HttpResponse:
        return HttpResponse(request.jwt_user.username)  # type: ignore[attr-defined]

    def django_view(request: HttpRequest) -> HttpResponse:
        return HttpResponse(str(request.user.pk))

    def cookie_for(engine: Any) -> str:
        store = engine.SessionStore()
        store[SESSION_KEY] = str(user.pk)
        store[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
        store[HASH_SESSION_KEY] = user.get_session_auth_hash()
        store.save()
        return str(store.session_key)

    def jwt_request() -> HttpRequest:
        return factory.get("/", HTTP_AUTHORIZATION=f"Bearer {token}")

    jwt_stack = JWTSessionMiddleware(jwt_view)
    user_stack = JWTSessionMiddleware(jwt_user_view)
    stacks: list[tuple[str, Callable[[], Any]]] = [
        ("view alone", lambda: jwt_view(_anonymous(factory.get("/")))),
        ("jwt, no token", lambda: jwt_stack(factory.get("/"))),
        ("jwt, strict", lambda: jwt_stack(jwt_request())),
        ("jwt + load user", lambda: user_stack(jwt_request())),
    ]
    for name, engine in (("django db session + auth", db), ("django cached_db + auth", cached_db)):
        stacks.append((name, _django_stack(engine, cookie_for(engine), factory, django_view)))
    rows = measure(stacks)
    # A settings change empties the per-process cache, so this row is measured on its own.
    with override_settings(WECHAT={"JWT": {"SIGNING_KEY": SIGNING_KEY, "SESSION_CACHE_SECONDS": 30}}):
        rows.insert(3, measure([("jwt, process cache 30 s", lambda: jwt_stack(jwt_request()))])[0])

    floor = rows[0][1]
    django_cost = dict(rows)["django cached_db + auth"] - floor
    print(f"\nMiddleware cost per request - {label} (median of 7 interleaved rounds)\n")
    print(f"{'stack':<28}{'µs/request':>12}{'over view':>12}{'vs django cached_db':>22}")
    for name, micros in rows:
        added = micros - floor
        ratio = f"{added / django_cost:.2f}x" if name != "view alone" and django_cost > 0 else "-"
        print(f"{name:<28}{micros:>12.1f}{added:>12.1f}{ratio:>22}")


def _django_stack(engine: Any, cookie: str, factory: Any, view: Any) -> Callable[[], Any]:
    """Django's own SessionMiddleware + AuthenticationMiddleware with ``engine`` and a logged-in cookie."""
    from django.contrib.auth.middleware import AuthenticationMiddleware
    from django.contrib.sessions.middleware import SessionMiddleware

    stack = SessionMiddleware(AuthenticationMiddleware(view))
    stack.SessionStore = engine.SessionStore  # what SESSION_ENGINE would select

    def call() -> Any:
        request = factory.get("/")
        request.COOKIES["sessionid"] = cookie
        return stack(request)

    return call


def _anonymous(request: Any) -> Any:
    request.jwt_user = None
    return request


def main() -> int:
    if "--server" in sys.argv:
        run(server=True)
        return 0
    run(server=False)
    if os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://")) and os.environ.get(
        "REDIS_URL"
    ):
        # Django is configured once per process: the server pass runs in a child process.
        return subprocess.run([sys.executable, __file__, "--server"], check=False).returncode
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
