"""``JWTAuthentication``: the same token check for Django REST framework views.

::

    class OrdersView(APIView):
        authentication_classes = [JWTAuthentication]
        permission_classes = [IsAuthenticated]

``request.user`` is the token's (lazy) user and ``request.auth`` its session
(a :class:`~djwechat.jwt.session_store.SessionStore`).  A refused token raises
:class:`JWTAuthenticationFailed`, a DRF ``AuthenticationFailed`` (401 with any exception
handler) that carries the djwechat error saying why.

Each step is a hook to override, as in simplejwt: ``get_header(request)``,
``get_raw_token(header)``, ``get_validated_token(raw_token)`` and ``get_user(validated_token)``
(see :class:`~djwechat.jwt.request_auth.RequestAuthenticator`)::

    class CookieJWTAuthentication(JWTAuthentication):
        def get_header(self, request):
            token = request.COOKIES.get("access")
            return f"Bearer {token}" if token else None
"""

from __future__ import annotations

from typing import Any, ClassVar

from rest_framework.authentication import BaseAuthentication
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.request import Request

from djwechat._internal.responses import WWW_AUTHENTICATE
from djwechat.exceptions import AuthError
from djwechat.jwt.request_auth import RequestAuthenticator

_STEPS = ("get_header", "get_raw_token", "get_validated_token", "get_user")


class JWTAuthenticationFailed(AuthenticationFailed):
    """DRF's ``AuthenticationFailed`` for a refused token, carrying djwechat's error as ``error``.

    DRF's own exception handler answers it ``401 {"detail": message}``; djwechat's views unwrap
    ``error`` so the answer's ``code`` says why (``token_expired``, ``session_revoked`` …).
    """

    def __init__(self, error: AuthError) -> None:
        super().__init__(detail=error.message, code=error.code)
        self.error = error
        self.status_code = error.status_code


class JWTAuthentication(RequestAuthenticator, BaseAuthentication):
    """DRF authentication from ``Authorization: Bearer <access>`` (or ``JWT <access>``).

    Returns ``None`` (not this scheme) when the header is absent or of another type, so other
    authenticators can still run; raises 401 for a token that is present but refused.  The
    request's ``jwt_user`` / ``jwt_session`` are set as by the middleware; when the middleware
    already checked this request and no step is overridden, its result is reused.
    """

    #: Whether this class runs the default steps (then the middleware's answer is the same).
    _default_steps: ClassVar[bool] = True

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls._default_steps = all(getattr(cls, step) is getattr(RequestAuthenticator, step) for step in _STEPS)

    def authenticate(self, request: Request) -> tuple[Any, Any] | None:
        http_request = self.authenticate_request(request._request, again=not self._default_steps)
        error = http_request.jwt_error  # type: ignore[attr-defined]
        if error is not None:
            raise JWTAuthenticationFailed(error)
        user = http_request.jwt_user  # type: ignore[attr-defined]
        if user is None:
            return None
        return user, http_request.jwt_session  # type: ignore[attr-defined]

    def authenticate_header(self, request: Request) -> str:
        return WWW_AUTHENTICATE
