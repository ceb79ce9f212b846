"""``login_required`` for plain Django views: 401 JSON instead of a redirect to a login page."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar, cast

from django.http import HttpRequest, HttpResponse

from djwechat._internal.responses import error_response, no_store
from djwechat.exceptions import AuthError, WeChatError
from djwechat.jwt.auth import authenticate_request

ViewFunc = TypeVar("ViewFunc", bound=Callable[..., HttpResponse])


def login_required(view: ViewFunc) -> ViewFunc:
    """Let only requests with a valid session token reach ``view``.

    Others get ``401 {"error": {"code", "message"}}``: ``not_authenticated`` without a token,
    else why the token was refused (``token_expired``, ``session_revoked``, ``invalid_token`` …).
    Works with or without :class:`~djwechat.jwt.middleware.JWTSessionMiddleware`.  A
    :class:`~djwechat.exceptions.WeChatError` raised by the view is answered as JSON too.
    Every answer is marked ``Cache-Control: no-store``.
    """

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        authenticate_request(request)
        if request.jwt_user is None:  # type: ignore[attr-defined]
            error: AuthError = request.jwt_error or AuthError()  # type: ignore[attr-defined]
            return no_store(error_response(error))
        try:
            return no_store(view(request, *args, **kwargs))
        except WeChatError as exc:
            return no_store(error_response(exc))

    return cast(ViewFunc, wrapper)
