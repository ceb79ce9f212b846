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

from django.contrib.sessions.backends.base import UpdateError
from django.http import HttpRequest, HttpResponse

from djwechat._internal.responses import error_response
from djwechat.conf import get_settings
from djwechat.exceptions import AuthError, SharedStateError
from djwechat.jwt.request_auth import authenticate_request
from djwechat.jwt.session_store import SessionStore


class JWTSessionMiddleware:
    """Authenticate every request carrying a session token; save its session data afterwards.

    * The token is verified and its session looked up (revocation is checked on every request;
      ``JWT.SESSION_CACHE_SECONDS`` > 0 lets a process trust its own lookup that long).
    * ``request.jwt_user`` is a lazy user whose ``pk`` needs no query; with
      ``JWT.SET_REQUEST_USER`` it also becomes ``request.user``.
    * After the view: a modified ``request.jwt_session`` is saved, and "last seen" is written
      when older than ``JWT.LAST_SEEN_INTERVAL`` - plain reads write nothing else.
    * An :class:`~djwechat.exceptions.AuthError` escaping a view (for instance the user was
      deactivated while the request ran) becomes a 401/403 JSON answer.
    """

    sync_capable = True
    async_capable = False

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        authenticate_request(request)
        conf = get_settings().jwt
        if conf.set_request_user and request.jwt_user is not None:  # type: ignore[attr-defined]
            request.user = request.jwt_user  # type: ignore[attr-defined]
        response = self.get_response(request)
        session: SessionStore | None = getattr(request, "jwt_session", None)
        if session is not None and session.session_key:
            if session.accessed and session.modified:
                # UpdateError: the session ended during the request; do not bring it back.
                try:
                    session.save()
                except UpdateError:
                    pass
                except SharedStateError as exc:
                    return error_response(exc)  # not saved: the cache could not be told
            else:
                session.touch(conf.last_seen_interval)
        return response

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        """Answer authentication errors raised by views as JSON instead of a 500."""
        if isinstance(exception, AuthError):
            return error_response(exception)
        return None
