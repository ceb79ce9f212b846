"""The small HTML pages of browser logins (OAuth callbacks and authorize errors), and their headers.

The website callback runs inside the login page's iframe, so its answer may be framed - by the
site's own pages only: ``X-Frame-Options: SAMEORIGIN`` and CSP ``frame-ancestors 'self'`` are set
on purpose (``ALLOW-FROM`` is obsolete and ignored by current browsers).  The callback URL holds
a code and a state, so no page may send it on as a ``Referer``, and none may be cached.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Final

from django.http import HttpResponse
from django.utils.html import format_html
from rest_framework.negotiation import BaseContentNegotiation

from djwechat._internal.drf import JSONAPIView
from djwechat._internal.responses import no_store, render_error
from djwechat.exceptions import LoginRefusedError, WeChatError
from djwechat.login.pipeline import StopPipeline

__all__ = ["PageView", "answer_page", "browser_headers", "error_page", "login_page"]

#: Nothing but inline style may load; framed only by this site's pages.
CONTENT_SECURITY_POLICY: Final = (
    "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; "
    "frame-ancestors 'self'"
)
_STYLE: Final = (
    "body{font-family:system-ui,-apple-system,sans-serif;margin:2rem auto;max-width:28rem;"
    "padding:0 1rem;color:#222;text-align:center}h1{font-size:1.25rem}p{color:#555}"
    ".ok h1{color:#07a050}.error h1{color:#c0392b}"
)


def browser_headers(response: HttpResponse) -> HttpResponse:
    """Set the headers every answer of a browser login carries (no cache, no referrer, framing)."""
    no_store(response)
    response["Referrer-Policy"] = "no-referrer"
    response["X-Frame-Options"] = "SAMEORIGIN"
    response["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
    response["X-Content-Type-Options"] = "nosniff"
    return response


def login_page(title: str, message: str, *, status: int = 200, ok: bool = True) -> HttpResponse:
    """A page with a title and a sentence, every value escaped."""
    html = format_html(
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width, initial-scale=1'>"
        "<title>{}</title><style>{}</style></head>"
        "<body class='{}'><h1 id='login-result' data-status='{}'>{}</h1><p>{}</p></body></html>",
        title,
        _STYLE,
        "ok" if ok else "error",
        "ok" if ok else "error",
        title,
        message,
    )
    return browser_headers(HttpResponse(html, status=status, content_type="text/html; charset=utf-8"))


def error_page(exc: WeChatError) -> HttpResponse:
    """The page for a login that failed: the error's status, and its message for a person.

    For a failure on our side or WeChat's (5xx) the page says what happened in general terms
    (the class's default message); the details go to the log, not to the visitor.
    """
    answer = render_error(exc)  # logs a 5xx; the headers (Retry-After …) are the JSON answer's
    message = exc.default_message if answer.status >= 500 else exc.message
    response = login_page("Login failed", message, status=answer.status, ok=False)
    for name, value in answer.headers.items():
        response[name] = value
    return response


def answer_page(flow: Callable[[], HttpResponse]) -> HttpResponse:
    """``flow()``'s answer; instead, a pipeline step's own page, or the page of a djwechat error."""
    try:
        return flow()
    except StopPipeline as stop:
        return stop.response or error_page(stop.error or LoginRefusedError())
    except WeChatError as exc:
        return error_page(exc)


class _AnyAccept(BaseContentNegotiation):
    """A browser asks for ``text/html``; these views answer HTML or a redirect whatever it asks."""

    def select_parser(self, request: Any, parsers: Any) -> Any:
        return parsers[0] if parsers else None

    def select_renderer(self, request: Any, renderers: Any, format_suffix: Any = None) -> Any:
        return renderers[0], renderers[0].media_type


class PageView(JSONAPIView):
    """A DRF view a browser is sent to: it answers with a page or a redirect, never ``406``."""

    content_negotiation_class = _AnyAccept
