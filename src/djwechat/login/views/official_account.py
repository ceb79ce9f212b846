"""HTTP endpoints of the Official Account H5 login (mounted under ``auth/``).

``GET /auth/oa/<app>/authorize/?next&scope`` → 302 to WeChat's consent page;
``GET /auth/oa/<app>/callback/?code&state`` → 302 to ``next`` with ``login_code`` (or ``login_error``);
``POST /auth/exchange/`` ``{login_code}`` → the token pair.  See
:mod:`djwechat.login.flows.official_account`.
"""

from __future__ import annotations

from django.http import HttpResponse, HttpResponseRedirect
from rest_framework.request import Request
from rest_framework.response import Response

from djwechat._internal.drf import JSONAPIView
from djwechat.exceptions import BadRequestError, LoginRefusedError, WeChatError
from djwechat.login.flows import complete_oa_login, exchange_login_code, start_oa_login
from djwechat.login.pipeline import StopPipeline
from djwechat.login.views.pages import PageView, browser_headers, error_page


class OAAuthorizeView(PageView):
    """``GET /auth/oa/<app>/authorize/?next&scope``: start an H5 login."""

    def get(self, request: Request, app: str) -> HttpResponse:
        try:
            url = start_oa_login(
                request, app, next=request.query_params.get("next"), scope=request.query_params.get("scope")
            )
        except WeChatError as exc:
            return error_page(exc)
        return browser_headers(HttpResponseRedirect(url))


class OACallbackView(PageView):
    """``GET /auth/oa/<app>/callback/?code&state``: where WeChat sends the browser back."""

    def get(self, request: Request, app: str) -> HttpResponse:
        try:
            outcome = complete_oa_login(
                request, app, code=request.query_params.get("code"), state=request.query_params.get("state")
            )
        except StopPipeline as stop:
            # The flow turns every other stop into ?login_error=…; this one brought its own page.
            return stop.response or error_page(stop.error or LoginRefusedError())
        except WeChatError as exc:
            return error_page(exc)
        return browser_headers(HttpResponseRedirect(outcome.redirect_url))


class ExchangeView(JSONAPIView):
    """``POST /auth/exchange/`` ``{login_code}`` → the token pair of a finished H5 login, once."""

    def post(self, request: Request) -> Response:
        if not isinstance(request.data, dict):
            raise BadRequestError("The body must be a JSON object.")
        tokens = exchange_login_code(request.data.get("login_code"))
        return Response(tokens, headers={"Cache-Control": "no-store"})
