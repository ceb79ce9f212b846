"""HTTP endpoints of the Official Account H5 login (mounted under ``auth/``).

``GET /auth/oa/<app>/authorize/?next&scope`` → 302 to WeChat's consent page;
``GET /auth/oa/<app>/callback/?code&state`` → 302 to ``next`` with ``login_code`` (or ``login_error``);
``POST /auth/exchange/`` ``{login_code}`` → the token pair.  See
:mod:`djwechat.login.flows.official_account`.
"""

from __future__ import annotations

from django.http import HttpResponse, HttpResponseRedirect
from django.utils.translation import gettext
from rest_framework.request import Request
from rest_framework.response import Response

from djwechat._internal.drf import JSONAPIView
from djwechat._internal.openapi import BODY_ERRORS, api_doc, path_param, query, redirect
from djwechat.exceptions import BadRequestError
from djwechat.jwt.serializers import TokenPairSerializer
from djwechat.login.flows import complete_oa_login, exchange_login_code, start_oa_login
from djwechat.login.serializers import LoginCodeSerializer
from djwechat.login.views.pages import PageView, answer_page, browser_headers

_TAGS = ("official-account",)
APP = path_param("app", "The alias of an Official Account in `WECHAT['APPS']`.")


class OAAuthorizeView(PageView):
    """``GET /auth/oa/<app>/authorize/?next&scope``: start an H5 login."""

    @api_doc(
        summary="Start an Official Account H5 login (302 to WeChat's consent page)",
        parameters=[
            APP,
            query("next", "Where to come back to: a path on this site or an allowed host."),
            query("scope", "`snsapi_base` or `snsapi_userinfo` (default: the app's OAUTH_SCOPE)."),
        ],
        responses={302: redirect("To WeChat's consent page.")},
        errors=(400, 404, 429, 503),
        error_media_type="text/html",
        tags=_TAGS,
        auth=False,
    )
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

    @api_doc(
        summary="Where WeChat sends the H5 browser back (302 to next)",
        description="Redirects to `next` with `?login_code=…` (POST it to /auth/exchange/) or "
        "`?login_error=<code>`; a bad or used state answers a page saying so.",
        parameters=[
            APP,
            query("code", "WeChat's code (absent when the user refused)."),
            query("state", "The login's state.", required=True),
        ],
        responses={302: redirect("To `next`, with `login_code` or `login_error`.")},
        errors=(400, 403, 404, 429, 503),
        error_media_type="text/html",
        tags=_TAGS,
        auth=False,
    )
    def get(self, request: Request, app: str) -> HttpResponse:
        params = request.query_params

        def redirect() -> HttpResponse:
            outcome = complete_oa_login(request, app, code=params.get("code"), state=params.get("state"))
            return browser_headers(HttpResponseRedirect(outcome.redirect_url))

        return answer_page(redirect)


class ExchangeView(JSONAPIView):
    """``POST /auth/exchange/`` ``{login_code}`` → the token pair of a finished H5 login, once."""

    @api_doc(
        summary="Trade an H5 login's one-time login_code for its token pair",
        request=LoginCodeSerializer,
        responses={200: TokenPairSerializer},
        errors=(*BODY_ERRORS, 503),
        tags=_TAGS,
        auth=False,
    )
    def post(self, request: Request) -> Response:
        if not isinstance(request.data, dict):
            raise BadRequestError(gettext("The body must be a JSON object."))
        tokens = exchange_login_code(request.data.get("login_code"))
        return Response(tokens)  # no-store, as every JSONAPIView answer
