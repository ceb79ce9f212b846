"""The session engine behind JWT sessions: Django's database sessions, read through the cache.

``SessionStore`` is a regular Django session engine (``SessionBase`` API: ``store["key"]``,
``get``, ``save``, ``flush`` …) over the :class:`~djwechat.jwt.models.JWTSession` model, with
``cached_db`` semantics on the WeChat cache alias (``WECHAT["CACHE_ALIAS"]``): reads are served
from the cache, every write goes to the database first, and the cache entry is dropped whenever
the row changes or disappears, so a cache restart loses nothing and a deleted session is gone
for the very next request.

What the cache holds per session is a :class:`~djwechat.jwt.record_cache.SessionRecord`: the
data plus the few columns the request path needs (user id, expiry, last seen), so authenticating
a request costs one cache read.  An optional per-process layer can skip even that: for
``JWT.SESSION_CACHE_SECONDS`` at the price of other processes noticing a revocation up to that
many seconds late, or with ``JWT.SESSION_INVALIDATION = "pubsub"`` until the revocation's
message reaches them.  :mod:`djwechat.jwt.record_cache` keeps both layers free of stale copies when a
read races a change.
"""

from __future__ import annotations

import contextlib
import functools
from datetime import UTC, datetime
from typing import Any

from django.conf import settings
from django.contrib.sessions.backends.base import VALID_KEY_CHARS, CreateError, UpdateError
from django.contrib.sessions.backends.db import SessionStore as DBStore
from django.db import IntegrityError, router, transaction
from django.utils import timezone
from django.utils.crypto import get_random_string
from django.utils.module_loading import import_string
from django.views.decorators.debug import sensitive_variables

from djwechat._internal import clock
from djwechat.conf import get_settings
from djwechat.jwt import record_cache
from djwechat.jwt.models import JWTSession, RevocationCount
from djwechat.jwt.record_cache import SessionRecord, purge

__all__ = ["SessionRecord", "SessionStore"]


@functools.cache
def _serializer(dotted_path: str) -> Any:
    return import_string(dotted_path)


def _committed_revocations() -> int:
    # The primary's count: a lagging read replica could hide the revocations being checked for.
    return RevocationCount.current(router.db_for_write(JWTSession))


class SessionStore(DBStore):
    """A Django session engine over :class:`~djwechat.jwt.models.JWTSession` (``cached_db`` semantics).

    Creating a session needs the device it belongs to: set :attr:`user` (required),
    :attr:`user_agent`, :attr:`ip_address` and :attr:`refresh_id` before ``create()``.
    Afterwards ``save()`` writes only the session data - never the rotation columns, which
    :mod:`djwechat.jwt.sessions` changes with atomic updates of their own - and a save after
    the session was deleted raises ``UpdateError`` instead of bringing the session back.
    """

    cache_key_prefix = record_cache.CACHE_KEY_PREFIX

    def __init__(self, session_key: str | None = None) -> None:
        # SessionBase.__init__'s attributes, but the serializer resolved once per value of
        # SESSION_SERIALIZER instead of by import_string on every call: a store is built for
        # every request, anonymous ones too, and that lookup was most of their cost.
        self._session_key = session_key
        self.accessed = False
        self.modified = False
        self.serializer = _serializer(settings.SESSION_SERIALIZER)
        self.user: Any = None
        self.user_agent = ""
        self.ip_address: str | None = None
        self.refresh_id = ""
        self._record: SessionRecord | None = None

    @classmethod
    def get_model_class(cls) -> type[JWTSession]:
        return JWTSession

    def get_session_cookie_age(self) -> int:
        """A session lives as long as its refresh token (``JWT.REFRESH_TOKEN_LIFETIME``)."""
        return int(get_settings().jwt.refresh_token_lifetime.total_seconds())

    # ------------------------------------------------------------------ reading

    @classmethod
    @sensitive_variables()
    def from_record(cls, record: SessionRecord) -> SessionStore:
        """A store for a record already loaded (the data is copied, not shared with the cache)."""
        store = cls(record.session_key)
        store._record = record
        store._session_cache = dict(record.data)  # type: ignore[attr-defined]
        return store

    @classmethod
    def load_live(cls, session_key: str) -> SessionRecord | None:
        """The live record of ``session_key`` (see :meth:`load_record`) without building a store."""
        return record_cache.load(session_key, cls._db_record, _committed_revocations)

    @classmethod
    async def aload_live(cls, session_key: str) -> SessionRecord | None:
        """:meth:`load_live` for async code (see :func:`~djwechat.jwt.record_cache.aload`)."""
        return await record_cache.aload(session_key, cls._db_record, _committed_revocations)

    @property
    def record(self) -> SessionRecord | None:
        """The record this store was loaded from, if any."""
        return self._record

    def load_record(self) -> SessionRecord | None:
        """The live session named by this store's key, or ``None`` (unknown, deleted or expired)."""
        key = self.session_key
        self._record = None if key is None else self.load_live(key)
        return self._record

    @classmethod
    @sensitive_variables()
    def _db_record(cls, key: str) -> SessionRecord | None:
        row = (
            JWTSession.objects.filter(session_key=key, expire_date__gt=timezone.now())
            .values_list("session_data", "user_id", "expire_date", "last_seen")
            .first()
        )
        if row is None:
            return None
        session_data, user_id, expire_date, last_seen = row
        return SessionRecord(
            key, user_id, cls().decode(session_data), expire_date.timestamp(), last_seen.timestamp()
        )

    @sensitive_variables()
    def load(self) -> dict[str, Any]:
        record = self.load_record()
        if record is None:
            self._session_key = None
            return {}
        return dict(record.data)

    # ------------------------------------------------------------------ writing

    def _get_new_session_key(self) -> str:
        """A fresh random key, without first asking the database whether it is taken.

        ``create()`` INSERTs it and draws again on a (primary key) collision anyway, so the
        usual ``exists()`` query only costs a round trip - and a read before the INSERT would
        let two SQLite transactions of ``SINGLE_SESSION`` logins deadlock on the write lock.
        """
        return get_random_string(32, VALID_KEY_CHARS)

    @sensitive_variables()
    def create_model_instance(self, data: dict[str, Any]) -> Any:
        if self.user is None:
            raise ValueError("A JWT session belongs to a user: set store.user before create().")
        now = timezone.now()
        return JWTSession(
            session_key=self._get_or_create_session_key(),  # type: ignore[attr-defined]
            session_data=self.encode(data),
            expire_date=self.get_expiry_date(),
            user=self.user,
            user_agent=self.user_agent[:256],
            ip_address=self.ip_address,
            created_at=now,
            last_seen=now,
            refresh_id=self.refresh_id,
        )

    @sensitive_variables()
    def save(self, must_create: bool = False) -> None:
        if self.session_key is None:
            self.create()
            return
        data = self._get_session(no_load=must_create)  # type: ignore[attr-defined]
        if must_create:
            obj = self.create_model_instance(data)
            using = router.db_for_write(JWTSession, instance=obj)
            try:
                with transaction.atomic(using=using):
                    obj.save(force_insert=True, using=using)
            except IntegrityError as exc:
                raise CreateError from exc
            self._record = SessionRecord(
                obj.session_key,
                obj.user_id,
                dict(data),
                obj.expire_date.timestamp(),
                obj.last_seen.timestamp(),
            )
            return
        # Only the data column: the rotation columns may be changing concurrently.  The purge
        # is inside the transaction: when the cache cannot be told, the data is not changed.
        using = router.db_for_write(JWTSession)
        with transaction.atomic(using=using):
            updated = (
                JWTSession.objects.using(using)
                .filter(session_key=self.session_key)
                .update(session_data=self.encode(data))
            )
            if not updated:
                raise UpdateError
            purge(self.session_key, using)

    def delete(self, session_key: str | None = None) -> None:
        """End the session: its row is deleted (:mod:`djwechat.jwt.signals` purges the cache)."""
        key = session_key or self.session_key
        if key is None:
            return
        using = router.db_for_write(JWTSession)
        deleted, _ = JWTSession.objects.using(using).filter(session_key=key).delete()
        if not deleted:
            # No row, so no signal: a copy cached before the row went out of band (raw SQL, a
            # restored database) must not outlive this logout.
            purge(key, using)

    def cycle_key(self) -> None:
        """Not supported: the key is inside tokens the client holds; rotate refresh tokens instead."""
        raise NotImplementedError("A JWT session keeps its key; log in again for a new session.")

    def touch_due(self, interval: int) -> bool:
        """Whether :meth:`touch` may write: the loaded record is older than ``interval`` seconds."""
        record = self._record
        return record is not None and clock.now() - record.last_seen >= interval

    def touch(self, interval: int) -> bool:
        """Record "last seen: now" when the loaded record is older than ``interval`` seconds.

        At most one process writes per session and interval (``cache.add`` marker), so a busy
        session costs one small UPDATE a minute, not one per request.  Returns whether it wrote.
        """
        record = self._record
        now = clock.now()
        if not self.touch_due(interval):
            return False
        assert record is not None
        cache = record_cache.shared_cache()
        try:
            if not cache.add(
                f"{self.cache_key_prefix}seen:{record_cache.cache_name(record.session_key)}",
                1,
                timeout=max(1, interval),
            ):
                return False
        except Exception:
            return False
        seen = datetime.fromtimestamp(now, tz=UTC)
        using = router.db_for_write(JWTSession)
        JWTSession.objects.using(using).filter(session_key=record.session_key).update(last_seen=seen)
        # The next read reloads the record with the new time; caching it here could resurrect
        # a session deleted in between.  A stale "last seen" is harmless, so an outage is too.
        with contextlib.suppress(Exception):
            purge(record.session_key, using)
        return True

    @classmethod
    def clear_expired(cls) -> None:
        """Delete expired sessions (run it daily, like Django's ``clearsessions``)."""
        JWTSession.objects.filter(expire_date__lt=timezone.now()).delete()
