"""The one place where errors become HTTP answers.

Every djwechat endpoint answers errors as ``{"error": {"code": ..., "message": ...}}`` with the
status from the exception class (see the tree in :mod:`djwechat.exceptions`).
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from typing import Any, TypeVar, cast

from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.cache import patch_cache_control

from djwechat._internal.debug import protect_error_pages
from djwechat.exceptions import DatabaseUnavailableError, ThrottledError, WeChatError

logger = logging.getLogger("djwechat")

ViewFunc = TypeVar("ViewFunc", bound=Callable[..., HttpResponse])


def no_store(response: HttpResponse) -> HttpResponse:
    """``response`` marked ``Cache-Control: no-store``: tokens and personal data stay out of caches.

    Every answer of a djwechat JSON endpoint gets it (:func:`json_errors`, ``JSONAPIView``), so a
    new token answer cannot forget it.
    """
    patch_cache_control(response, no_store=True)
    return response


def json_error(code: str, message: str, status: int, **extra: Any) -> JsonResponse:
    """A JSON error answer in the package-wide shape."""
    body: dict[str, Any] = {"error": {"code": code, "message": message, **extra}}
    return JsonResponse(body, status=status, json_dumps_params={"ensure_ascii": False})


def error_response(exc: WeChatError) -> JsonResponse:
    """The HTTP answer for a djwechat error."""
    response = json_error(exc.code, exc.message, exc.status_code)
    if isinstance(exc, ThrottledError) and exc.wait is not None:
        response["Retry-After"] = str(max(1, int(exc.wait + 0.999)))
    if exc.status_code >= 500:
        logger.warning("%s answered %s: %s", type(exc).__name__, exc.status_code, exc.message)
    return response


#: What Django raises when the database cannot be reached (a restart, a failover, a dropped link).
DATABASE_DOWN = (OperationalError, InterfaceError)


def database_unavailable(exc: Exception) -> DatabaseUnavailableError:
    """The 503 for one of :data:`DATABASE_DOWN`.

    The failed statement's atomic blocks are rolled back (login writes run in one transaction),
    so the request changed nothing and may be sent again.
    """
    return DatabaseUnavailableError(f"The database is not available right now ({type(exc).__name__}).")


def json_errors(view: ViewFunc) -> ViewFunc:
    """Decorate a plain Django view so that any :class:`WeChatError` becomes a JSON error answer.

    Every answer is marked ``Cache-Control: no-store`` (:func:`no_store`).

    Any other exception is a 500 whose error report hides WeChat secrets
    (:func:`~djwechat._internal.debug.protect_error_pages`).
    """

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        protect_error_pages(request)
        try:
            return no_store(view(request, *args, **kwargs))
        except WeChatError as exc:
            return no_store(error_response(exc))
        except DATABASE_DOWN as exc:
            return no_store(error_response(database_unavailable(exc)))

    return cast(ViewFunc, wrapper)
