"""The one place where errors become HTTP answers.

Every djwechat endpoint answers errors as ``{"error": {"code": ..., "message": ...}}`` with the
status from the exception class (see the tree in :mod:`djwechat.exceptions`).
"""

from __future__ import annotations

import functools
import json
import logging
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Final, TypeVar, cast

from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.cache import patch_cache_control
from rest_framework import exceptions as drf_exceptions

from djwechat._internal.debug import protect_error_pages
from djwechat.exceptions import DatabaseUnavailableError, WeChatError

__all__ = [
    "DATABASE_DOWN",
    "WWW_AUTHENTICATE",
    "ErrorAnswer",
    "database_unavailable",
    "error_answer",
    "error_response",
    "json_error",
    "json_errors",
    "no_store",
    "render_error",
]

logger = logging.getLogger("djwechat")

ViewFunc = TypeVar("ViewFunc", bound=Callable[..., HttpResponse])

#: The challenge of every 401 answer (RFC 6750 §3): a bearer token is what djwechat accepts.
WWW_AUTHENTICATE: Final = 'Bearer realm="api"'

_DRF_CODES: Final[dict[type[drf_exceptions.APIException], str]] = {
    drf_exceptions.ParseError: "malformed_body",
    drf_exceptions.ValidationError: "invalid_input",
    drf_exceptions.NotAuthenticated: "not_authenticated",
    drf_exceptions.AuthenticationFailed: "invalid_token",
    drf_exceptions.PermissionDenied: "permission_denied",
    drf_exceptions.NotFound: "not_found",
    drf_exceptions.MethodNotAllowed: "method_not_allowed",
    drf_exceptions.NotAcceptable: "not_acceptable",
    drf_exceptions.UnsupportedMediaType: "unsupported_media_type",
    drf_exceptions.Throttled: "throttled",
}


@dataclass(frozen=True, slots=True)
class ErrorAnswer:
    """An error as HTTP, before any framework: the status, the JSON body and the headers."""

    status: int
    body: dict[str, Any]
    headers: dict[str, str] = field(default_factory=dict)

    def json(self) -> str:
        """The body as JSON text (non-ASCII kept as is, like every djwechat answer)."""
        return json.dumps(self.body, ensure_ascii=False)

    def response(self) -> JsonResponse:
        """A Django response carrying this answer."""
        return JsonResponse(
            self.body, status=self.status, headers=self.headers, json_dumps_params={"ensure_ascii": False}
        )


def error_answer(code: str, message: str, status: int, *, wait: object = None, **extra: Any) -> ErrorAnswer:
    """The package-wide error shape: ``{"error": {"code", "message", **extra}}`` with its headers.

    A 401 challenges with :data:`WWW_AUTHENTICATE`; a number ``wait`` (seconds until a retry is
    allowed) becomes ``Retry-After`` in whole seconds; a 5xx is logged.
    """
    headers: dict[str, str] = {}
    if status == 401:
        headers["WWW-Authenticate"] = WWW_AUTHENTICATE
    if isinstance(wait, int | float) and not isinstance(wait, bool):
        headers["Retry-After"] = str(max(1, math.ceil(wait)))
    if status >= 500:
        logger.warning("%s answered %s: %s", code, status, message)
    return ErrorAnswer(status, {"error": {"code": code, "message": message, **extra}}, headers)


def render_error(exc: WeChatError | drf_exceptions.APIException) -> ErrorAnswer:
    """The answer to a djwechat error or one of DRF's own (parse, validation, throttling …).

    A djwechat error answers with its ``code``, message and ``status_code``; a DRF error with
    the code of its class (``invalid_input`` for a validation error, whose per-field messages
    come along as ``fields``).
    """
    if isinstance(exc, WeChatError):
        return error_answer(exc.code, exc.message, exc.status_code, wait=exc.data.get("wait"))
    code = next((c for cls, c in _DRF_CODES.items() if isinstance(exc, cls)), "bad_request")
    extra: dict[str, Any] = {}
    if isinstance(exc, drf_exceptions.ValidationError) and isinstance(exc.detail, dict):
        extra["fields"] = exc.detail
    wait = getattr(exc, "wait", None) if isinstance(exc, drf_exceptions.Throttled) else None
    return error_answer(code, _message(exc.detail), exc.status_code, wait=wait, **extra)


def _message(detail: Any) -> str:
    if isinstance(detail, dict):
        return "; ".join(f"{name}: {_message(value)}" for name, value in detail.items())
    if isinstance(detail, list):
        return " ".join(_message(item) for item in detail)
    return str(detail)


def no_store(response: HttpResponse) -> HttpResponse:
    """``response`` marked ``Cache-Control: no-store``: tokens and personal data stay out of caches.

    Every answer of a djwechat JSON endpoint gets it (:func:`json_errors`, ``JSONAPIView``), so a
    new token answer cannot forget it.
    """
    patch_cache_control(response, no_store=True)
    return response


def json_error(code: str, message: str, status: int, **extra: Any) -> JsonResponse:
    """A JSON error answer in the package-wide shape (see :func:`error_answer`)."""
    return error_answer(code, message, status, **extra).response()


def error_response(exc: WeChatError) -> JsonResponse:
    """The Django answer for a djwechat error (see :func:`render_error`)."""
    return render_error(exc).response()


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
