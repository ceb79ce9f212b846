"""What the contenders need before a run: the database, users, their credentials, the probe key.

Runs in the harness process with Django configured on ``bench.site.settings``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urlsplit

#: Users the GET contenders authenticate as (round-robin, one credential each).
USERS = 20


@dataclass(frozen=True, slots=True)
class Credentials:
    """One ``Authorization`` or ``Cookie`` header line per user, per authentication system."""

    headers: dict[str, list[str]] = field(default_factory=dict)
    #: The primary key each header of a system authenticates as (same order).
    user_ids: list[int] = field(default_factory=list)

    def bad(self, auth: str) -> str:
        """A header of ``auth`` that must be refused: a forged signature, or an unknown session."""
        header = self.headers[auth][0]
        if auth == "django":
            return "Cookie: sessionid=0000000000notasession0000000000"
        return header[:-2] + ("AA" if not header.endswith("AA") else "BB")


def ensure_database(url: str) -> None:
    """Create the PostgreSQL database named by ``url`` unless it exists."""
    import psycopg

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    admin = parts._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as conn:
        if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone() is None:
            conn.execute(f'CREATE DATABASE "{name}"')


def prepare() -> Credentials:
    """Migrate, (re)create the users and their sessions, write the probe key; return the credentials."""
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, get_user_model
    from django.contrib.sessions.backends.cache import SessionStore as DjangoSession
    from django.core.cache import cache
    from django.core.management import call_command
    from rest_framework_simplejwt.tokens import AccessToken

    from bench.site.views import PROBE_KEY
    from djwechat.jwt import sessions
    from djwechat.jwt.models import JWTSession

    call_command("migrate", verbosity=0, interactive=False)
    user_model = get_user_model()
    JWTSession.objects.all().delete()  # a previous run's sessions (this database is the benchmark's)
    cache.set(PROBE_KEY, "1", None)
    creds = Credentials(headers={"djwechat": [], "simplejwt": [], "django": []})
    for n in range(USERS):
        user, _ = user_model.objects.get_or_create(username=f"bench-user-{n:02d}")
        creds.user_ids.append(user.pk)
        pair = sessions.login(None, user)
        creds.headers["djwechat"].append(f"Authorization: Bearer {pair['access']}")
        creds.headers["simplejwt"].append(f"Authorization: Bearer {AccessToken.for_user(user)}")
        store = DjangoSession()
        store[SESSION_KEY] = str(user.pk)
        store[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
        store[HASH_SESSION_KEY] = user.get_session_auth_hash()
        store.create()
        creds.headers["django"].append(f"Cookie: sessionid={store.session_key}")
    return creds


def forget_keys(prefix: str) -> int:
    """Delete every Redis key the run wrote (``prefix``, never anything else); returns the count."""
    from django_redis import get_redis_connection

    redis = get_redis_connection("default")
    removed = 0
    batch: list[bytes] = []
    for key in redis.scan_iter(match=f"{prefix}:*", count=1000):
        batch.append(key)
        if len(batch) >= 1000:
            removed += redis.unlink(*batch)
            batch.clear()
    if batch:
        removed += redis.unlink(*batch)
    return int(removed)
