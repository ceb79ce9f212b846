"""``login_required`` for plain Django views: 401 JSON instead of a redirect to a login page."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar, cast

from asgiref.sync import iscoroutinefunction
from django.http import HttpRequest, HttpResponse

from djwechat._internal.responses import error_response, no_store
from djwechat.exceptions import AuthError, WeChatError
from djwechat.jwt.request_auth import aauthenticate_request, authenticate_request

ViewFunc = TypeVar("ViewFunc", bound=Callable[..., HttpResponse])


def login_required(view: ViewFunc) -> ViewFunc:
    """Let only requests with a valid session token reach ``view``.

    Others get ``401 {"error": {"code", "message"}}``: ``not_authenticated`` without a token,
    else why the token was refused (``token_expired``, ``session_revoked``, ``invalid_token`` …).
    Works with or without :class:`~djwechat.jwt.middleware.JWTSessionMiddleware`, on sync and
    ``async def`` views alike.  A
    :class:`~djwechat.exceptions.WeChatError` raised by the view is answered as JSON too.
    Every answer is marked ``Cache-Control: no-store``.
    """

    if iscoroutinefunction(view):

        @functools.wraps(view)
        async def async_wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            await aauthenticate_request(request)
            if (refused := _refusal(request)) is not None:
                return refused
            try:
                return no_store(await view(request, *args, **kwargs))
            except WeChatError as exc:
                return no_store(error_response(exc))

        return cast(ViewFunc, async_wrapper)

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        authenticate_request(request)
        if (refused := _refusal(request)) is not None:
            return refused
        try:
            return no_store(view(request, *args, **kwargs))
        except WeChatError as exc:
            return no_store(error_response(exc))

    return cast(ViewFunc, wrapper)


def _refusal(request: HttpRequest) -> HttpResponse | None:
    """The 401 for a request without a valid session token, else ``None``."""
    if request.jwt_user is not None:  # type: ignore[attr-defined]
        return None
    error: AuthError = request.jwt_error or AuthError()  # type: ignore[attr-defined]
    return no_store(error_response(error))
