"""Django REST framework glue shared by every djwechat endpoint.

djwechat's views do not depend on the project's ``REST_FRAMEWORK`` settings: they pin their
parsers, renderers and exception handler, so a project's defaults (say, session authentication
or an HTML renderer) cannot change the JSON contract.
"""

from __future__ import annotations

import inspect
from typing import Any, NoReturn

from django.core.exceptions import RequestDataTooBig
from django.http import Http404
from django.utils.http import parse_header_parameters
from rest_framework import exceptions as drf_exceptions
from rest_framework.metadata import BaseMetadata
from rest_framework.parsers import BaseParser, JSONParser
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from djwechat._internal.debug import protect_error_pages
from djwechat._internal.responses import DATABASE_DOWN, database_unavailable, no_store, render_error
from djwechat.exceptions import BodyTooLargeError, WeChatError


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """Answer djwechat and DRF errors with :func:`render_error`; others propagate (500)."""
    # DRF authentication classes must raise DRF's AuthenticationFailed; djwechat's carries the
    # precise error (token_expired, session_revoked …) as ``error`` so the answer can name it.
    wrapped = getattr(exc, "error", None)
    if isinstance(exc, drf_exceptions.APIException) and isinstance(wrapped, WeChatError):
        exc = wrapped
    if isinstance(exc, RequestDataTooBig):
        # DRF reads ``request.body``, which enforces DATA_UPLOAD_MAX_MEMORY_SIZE; left alone,
        # Django would answer its HTML 400 page.
        exc = BodyTooLargeError()
    if isinstance(exc, DATABASE_DOWN):
        exc = database_unavailable(exc)
    if isinstance(exc, Http404):
        exc = drf_exceptions.NotFound()
    if not isinstance(exc, WeChatError | drf_exceptions.APIException):
        return None
    answer = render_error(exc)
    return Response(answer.body, status=answer.status, headers=answer.headers)


class SafeJSONParser(JSONParser):
    """DRF's JSON parser, except that nesting too deep for Python's parser is a 400, not a 500.

    ``json`` raises ``RecursionError`` (not ``ValueError``) for a body such as ``[[[[…]]]]``
    nested some thousand levels deep; DRF only turns ``ValueError`` into ``ParseError``.
    """

    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> Any:
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise drf_exceptions.ParseError("JSON parse error - the body is nested too deeply.") from None


class EmptyFormParser(BaseParser):
    """A form with no fields reads as an empty body; a form with fields is 415 (djwechat speaks JSON).

    ``<form method="post">`` without inputs, ``fetch`` with an empty ``FormData`` and Django's
    test client all send a form body that holds nothing; endpoints whose body is optional
    (logout) accept it like an empty body.
    """

    media_type = "application/x-www-form-urlencoded"
    #: Longest form body that can still be empty (a multipart end marker with a long boundary).
    max_empty_size = 256

    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> Any:
        body = stream.read(self.max_empty_size + 1).strip() if stream is not None else b""
        if not body or body == self.empty_marker(media_type or ""):
            return {}
        raise drf_exceptions.UnsupportedMediaType(media_type or self.media_type)

    def empty_marker(self, media_type: str) -> bytes | None:
        """The whole body of this form type when it has no fields (``None``: only an empty body)."""
        return None


class EmptyMultipartParser(EmptyFormParser):
    """:class:`EmptyFormParser` for ``multipart/form-data``: only the closing boundary is empty."""

    media_type = "multipart/form-data"

    def empty_marker(self, media_type: str) -> bytes | None:
        boundary = parse_header_parameters(media_type)[1].get("boundary")
        return f"--{boundary}--".encode("latin-1", "replace") if boundary else None


class MethodsMetadata(BaseMetadata):
    """The answer to ``OPTIONS``: the allowed methods, and nothing else.

    DRF's default metadata includes the view's name and docstring, which are notes for the
    project's developers, not for whoever asks.
    """

    def determine_metadata(self, request: Any, view: Any) -> dict[str, Any]:
        return {"methods": list(view.allowed_methods)}


class JSONAPIView(APIView):
    """Base class of djwechat's DRF views: JSON in, JSON out, errors in the package-wide shape.

    Subclasses set ``authentication_classes`` / ``permission_classes`` / ``throttle_classes``
    explicitly; nothing is inherited from the project's ``REST_FRAMEWORK`` defaults.  Every
    answer is marked ``Cache-Control: no-store``; ``OPTIONS`` tells the allowed methods only.
    """

    metadata_class = MethodsMetadata
    parser_classes = (SafeJSONParser, EmptyFormParser, EmptyMultipartParser)
    renderer_classes = (JSONRenderer,)
    authentication_classes: Any = ()
    permission_classes: Any = ()
    throttle_classes: Any = ()

    def get_exception_handler(self) -> Any:
        return exception_handler

    def finalize_response(self, request: Any, response: Any, *args: Any, **kwargs: Any) -> Any:
        return no_store(super().finalize_response(request, response, *args, **kwargs))

    def initial(self, request: Any, *args: Any, **kwargs: Any) -> None:
        # An unexpected error's report must not show WeChat secrets, even with DEBUG on.
        protect_error_pages(request._request)
        super().initial(request, *args, **kwargs)

    def permission_denied(
        self, request: Any, message: str | None = None, code: str | None = None
    ) -> NoReturn:
        # DRF turns a failed permission into 403 when an authenticator exists but produced no
        # user; djwechat's contract is 401 for "not logged in".
        if request.authenticators and not request.successful_authenticator:
            raise drf_exceptions.NotAuthenticated()
        raise drf_exceptions.PermissionDenied(detail=message, code=code)


class AsyncJSONAPIView(JSONAPIView):
    """A :class:`JSONAPIView` whose handlers are coroutines (``async def post``).

    DRF's own ``dispatch`` is synchronous; this one awaits the handler, so under ASGI a request
    that waits (a long poll) waits on the event loop, not in a worker.  Under WSGI Django runs the view with
    ``async_to_sync`` and it behaves like a sync view.  Authentication, permissions and throttles
    run as in DRF (synchronously), so subclasses should keep them free of I/O.
    """

    async def dispatch(self, request: Any, *args: Any, **kwargs: Any) -> Any:  # type: ignore[override]
        self.args = args
        self.kwargs = kwargs
        request = self.initialize_request(request, *args, **kwargs)
        self.request = request
        self.headers = self.default_response_headers
        try:
            self.initial(request, *args, **kwargs)
            method = request.method.lower()
            handler = getattr(self, method, self.http_method_not_allowed)
            if method not in self.http_method_names:
                handler = self.http_method_not_allowed
            response = handler(request, *args, **kwargs)
            if inspect.isawaitable(response):
                response = await response
        except Exception as exc:
            response = self.handle_exception(exc)
        self.response = self.finalize_response(request, response, *args, **kwargs)
        return self.response
