"""``JWTAuthentication``: the same token check for Django REST framework views.

::

    class OrdersView(APIView):
        authentication_classes = [JWTAuthentication]
        permission_classes = [IsAuthenticated]

``request.user`` is the token's (lazy) user and ``request.auth`` its session
(a :class:`~djwechat.jwt.backends.SessionStore`).  A refused token raises
:class:`JWTAuthenticationFailed`, a DRF ``AuthenticationFailed`` (401 with any exception
handler) that carries the djwechat error saying why.
"""

from __future__ import annotations

from typing import Any

from rest_framework.authentication import BaseAuthentication
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.request import Request

from djwechat.exceptions import AuthError
from djwechat.jwt.auth import authenticate_request


class JWTAuthenticationFailed(AuthenticationFailed):
    """DRF's ``AuthenticationFailed`` for a refused token, carrying djwechat's error as ``error``.

    DRF's own exception handler answers it ``401 {"detail": message}``; djwechat's views unwrap
    ``error`` so the answer's ``code`` says why (``token_expired``, ``session_revoked`` …).
    """

    def __init__(self, error: AuthError) -> None:
        super().__init__(detail=error.message, code=error.code)
        self.error = error
        self.status_code = error.status_code


class JWTAuthentication(BaseAuthentication):
    """DRF authentication from ``Authorization: Bearer <access>`` (or ``JWT <access>``).

    Returns ``None`` (not this scheme) when the header is absent or of another type, so other
    authenticators can still run; raises 401 for a token that is present but refused.
    """

    def authenticate(self, request: Request) -> tuple[Any, Any] | None:
        http_request = authenticate_request(request._request)
        error = http_request.jwt_error  # type: ignore[attr-defined]
        if error is not None:
            raise JWTAuthenticationFailed(error)
        user = http_request.jwt_user  # type: ignore[attr-defined]
        if user is None:
            return None
        return user, http_request.jwt_session  # type: ignore[attr-defined]

    def authenticate_header(self, request: Request) -> str:
        return 'Bearer realm="api"'
