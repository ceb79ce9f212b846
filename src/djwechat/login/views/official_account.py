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
from djwechat.exceptions import BadRequestError
from djwechat.login.flows import complete_oa_login, exchange_login_code, start_oa_login
from djwechat.login.views.pages import PageView, answer_page, browser_headers


class OAAuthorizeView(PageView):
    """``GET /auth/oa/<app>/authorize/?next&scope``: start an H5 login."""

    def get(self, request: Request, app: str) -> HttpResponse:
        params = request.query_params
        return answer_page(
            lambda: browser_headers(
                HttpResponseRedirect(
                    start_oa_login(request, app, next=params.get("next"), scope=params.get("scope"))
                )
            )
        )


class OACallbackView(PageView):
    """``GET /auth/oa/<app>/callback/?code&state``: where WeChat sends the browser back.

    Every failure after a good state comes back to ``next`` as ``?login_error=…``; a pipeline
    step that stops the login with a page of its own gets that page shown.
    """

    def get(self, request: Request, app: str) -> HttpResponse:
        params = request.query_params

        def redirect() -> HttpResponse:
            outcome = complete_oa_login(request, app, code=params.get("code"), state=params.get("state"))
            return browser_headers(HttpResponseRedirect(outcome.redirect_url))

        return answer_page(redirect)


class ExchangeView(JSONAPIView):
    """``POST /auth/exchange/`` ``{login_code}`` → the token pair of a finished H5 login, once."""

    def post(self, request: Request) -> Response:
        if not isinstance(request.data, dict):
            raise BadRequestError("The body must be a JSON object.")
        tokens = exchange_login_code(request.data.get("login_code"))
        return Response(tokens)  # no-store, as every JSONAPIView answer
