"""``JWTSessionMiddleware``: ``request.jwt_user`` and ``request.jwt_session`` from the ``Authorization`` header.

Add it after ``AuthenticationMiddleware``::

    MIDDLEWARE = [..., "django.contrib.auth.middleware.AuthenticationMiddleware",
                  "djwechat.jwt.middleware.JWTSessionMiddleware", ...]

Requests without a token (or with a refused one) get ``jwt_user = None`` and an empty
``jwt_session``; the middleware never answers 401 itself - views decide with
:func:`djwechat.jwt.decorators.login_required` or DRF's ``JWTAuthentication``.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import suppress
from typing import Any

from asgiref.sync import iscoroutinefunction, markcoroutinefunction, sync_to_async
from django.contrib.sessions.backends.base import UpdateError
from django.http import HttpRequest, HttpResponse

from djwechat._internal.responses import DATABASE_DOWN, database_unavailable, error_response, no_store
from djwechat.conf import get_settings
from djwechat.exceptions import AuthError, SharedStateError
from djwechat.jwt.request_auth import aauthenticate_request, authenticate_request
from djwechat.jwt.session_store import SessionStore


class JWTSessionMiddleware:
    """Authenticate every request carrying a session token; save its session data afterwards.

    * The token is verified and its session looked up (revocation is checked on every request;
      ``JWT.SESSION_CACHE_SECONDS`` > 0 lets a process trust its own lookup that long, and
      ``JWT.SESSION_INVALIDATION = "pubsub"`` until a change of the session is published).
    * ``request.jwt_user`` is a lazy user whose ``pk`` needs no query; with
      ``JWT.SET_REQUEST_USER`` it also becomes ``request.user``.
    * After the view: a modified ``request.jwt_session`` is saved, and "last seen" is written
      when older than ``JWT.LAST_SEEN_INTERVAL`` - plain reads write nothing else.
    * Sync and async: under ASGI with async views it runs as a coroutine, without blocking the
      event loop (the session lookup is one ``sync_to_async`` hop, none when
      this process answers from memory); async code reads the
      loaded user with ``await request.ajwt_user()``.
    * An :class:`~djwechat.exceptions.AuthError` escaping a view (for instance the user was
      deactivated while the request ran) becomes a 401/403 JSON answer.
    * A database that cannot be reached while the session is looked up is a JSON
      ``503 database_unavailable``, as in the views; a "last seen" that cannot be written is
      skipped (it is a hint, written again a minute later).
    """

    sync_capable = True
    async_capable = True

    def __init__(self, get_response: Callable[[HttpRequest], Any]) -> None:
        self.get_response = get_response
        # Under ASGI with async views the whole chain is async: no thread hop per request.
        self.async_mode = iscoroutinefunction(get_response)
        if self.async_mode:
            markcoroutinefunction(self)

    def __call__(self, request: HttpRequest) -> Any:
        if self.async_mode:
            return self.__acall__(request)
        try:
            authenticate_request(request)
        except DATABASE_DOWN as exc:
            return no_store(error_response(database_unavailable(exc)))
        conf = get_settings().jwt
        if conf.set_request_user and request.jwt_user is not None:  # type: ignore[attr-defined]
            request.user = request.jwt_user  # type: ignore[attr-defined]
        response = self.get_response(request)
        session: SessionStore | None = getattr(request, "jwt_session", None)
        if session is not None and session.session_key:
            if session.accessed and session.modified:
                return self._save(session) or response
            self._touch(session, conf.last_seen_interval)
        return response

    async def __acall__(self, request: HttpRequest) -> HttpResponse:
        """The async path: the lookup costs one thread hop at most (none for a session this
        process remembers), and writing afterwards one more, only when there is something to write.
        """
        try:
            await aauthenticate_request(request)
        except DATABASE_DOWN as exc:
            return no_store(error_response(database_unavailable(exc)))
        conf = get_settings().jwt
        if conf.set_request_user and request.jwt_user is not None:  # type: ignore[attr-defined]
            request.user = request.jwt_user  # type: ignore[attr-defined]
        response: HttpResponse = await self.get_response(request)
        session: SessionStore | None = getattr(request, "jwt_session", None)
        if session is not None and session.session_key:
            if session.accessed and session.modified:
                return await sync_to_async(self._save)(session) or response
            if session.touch_due(conf.last_seen_interval):
                await sync_to_async(self._touch)(session, conf.last_seen_interval)
        return response

    @staticmethod
    def _touch(session: SessionStore, interval: int) -> None:
        """Write "last seen" when due; skipped while the database cannot be reached."""
        with suppress(*DATABASE_DOWN):
            session.touch(interval)

    @staticmethod
    def _save(session: SessionStore) -> HttpResponse | None:
        """Save a modified session; an answer to send instead of the view's when that failed."""
        try:
            session.save()
        except UpdateError:
            pass  # the session ended during the request; do not bring it back
        except SharedStateError as exc:
            return error_response(exc)  # not saved: the cache could not be told
        return None

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        """Answer authentication errors raised by views as JSON instead of a 500."""
        if isinstance(exception, AuthError):
            return error_response(exception)
        return None
