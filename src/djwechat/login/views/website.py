"""HTTP endpoints of the website QR login (mounted under ``auth/``).

``POST /auth/website/<app>/qr/`` → ``{ticket, poll_secret, authorize_url, expires_in}``;
``POST /auth/website/<app>/qr/<ticket>/?wait=<seconds>`` ``{poll_secret}`` → ``{status, …}`` (a long
poll, the token pair once with ``confirmed``); ``GET /auth/website/<app>/callback/?code&state`` → a
page saying whether the login worked.  See :mod:`djwechat.login.flows.website`.

The poll is a coroutine view: under ASGI a waiting poll waits on the event loop; under WSGI it
holds its worker thread for up to ``LOGIN.QR_POLL_SECONDS`` (``?wait=0`` answers at once, for
short polls).
"""

from __future__ import annotations

import math
from typing import Any

from django.http import HttpResponse
from django.utils.translation import gettext
from rest_framework.request import Request
from rest_framework.response import Response

from djwechat._internal.drf import AsyncJSONAPIView, JSONAPIView
from djwechat._internal.openapi import BODY_ERRORS, UPSTREAM_ERRORS, api_doc, path_param, query
from djwechat.conf import get_settings
from djwechat.exceptions import BadRequestError
from djwechat.jwt.authentication import JWTAuthentication
from djwechat.login.flows import apoll_qr_login, complete_qr_login, start_qr_login
from djwechat.login.flows.link import LinkResult
from djwechat.login.serializers import PollRequestSerializer, QRPollSerializer, QRTicketSerializer
from djwechat.login.views.pages import PageView, answer_page, login_page

_TAGS = ("website",)
APP = path_param("app", "The alias of a website app in `WECHAT['APPS']`.")


def _body(request: Request) -> dict[str, Any]:
    data = request.data
    if not isinstance(data, dict):
        raise BadRequestError(gettext("The body must be a JSON object."))
    return data


def _wait(value: Any) -> float:
    """``?wait=`` in seconds, at most ``LOGIN.QR_POLL_SECONDS`` (its default)."""
    longest = get_settings().login.qr_poll_seconds
    if value is None:
        return longest
    try:
        seconds = float(value)
    except ValueError:
        raise BadRequestError(gettext("'wait' must be a number of seconds.")) from None
    if not math.isfinite(seconds) or seconds < 0:
        raise BadRequestError(gettext("'wait' must be a number of seconds."))
    return min(seconds, longest)


class QRCreateView(JSONAPIView):
    """``POST /auth/website/<app>/qr/`` → a new QR login ticket (a link ticket for a logged-in caller)."""

    # Optional: with a valid token the ticket links WeChat to the caller; a refused token is 401.
    authentication_classes = (JWTAuthentication,)

    @api_doc(
        summary="Start a QR-code login (or, with a token, link WeChat to the user)",
        description="With `Authorization: Bearer <access>` the ticket is a link ticket: the scan "
        "links the identity to the caller and the poll answers `linked` instead of a token pair.",
        parameters=[APP],
        responses={200: QRTicketSerializer},
        errors=(401, 404, 429, 503),
        tags=_TAGS,
        auth="optional",
    )
    def post(self, request: Request, app: str) -> Response:
        user = request.user if request.user.is_authenticated else None
        ticket = start_qr_login(request, app, link_user=user)
        return Response(ticket.as_dict())  # no-store, as every JSONAPIView answer


class QRPollView(AsyncJSONAPIView):
    """``POST /auth/website/<app>/qr/<ticket>/`` ``{poll_secret}`` → the ticket's status (long poll)."""

    @api_doc(
        summary="Wait for a QR-code login to change (long poll)",
        operation_id="auth_website_qr_poll",
        description="`confirmed` comes with the token pair, once; `failed` with the error.",
        parameters=[
            APP,
            path_param("ticket", "The `ticket` of POST /auth/website/{app}/qr/."),
            query(
                "wait",
                "Seconds to wait for a change (at most, and by default, LOGIN.QR_POLL_SECONDS).",
                type=float,
            ),
        ],
        request=PollRequestSerializer,
        responses={200: QRPollSerializer},
        errors=(*BODY_ERRORS, 403, 404, 503),
        tags=_TAGS,
        auth=False,
    )
    async def post(self, request: Request, app: str, ticket: str) -> Response:
        wait = _wait(request.query_params.get("wait"))
        result = await apoll_qr_login(app, ticket, _body(request).get("poll_secret"), wait=wait)
        return Response(result.as_dict())


class QRCallbackView(PageView):
    """``GET /auth/website/<app>/callback/?code&state``: where WeChat sends the QR iframe."""

    @api_doc(
        summary="Where WeChat sends the QR-code iframe back (an HTML page)",
        parameters=[
            APP,
            query("code", "WeChat's code (absent when the user refused)."),
            query("state", "The login's state.", required=True),
        ],
        responses={200: str},
        media_type="text/html",
        errors=(400, 403, 404, *UPSTREAM_ERRORS),
        error_media_type="text/html",
        tags=_TAGS,
        auth=False,
    )
    def get(self, request: Request, app: str) -> HttpResponse:
        return answer_page(lambda: self._page(request, app))

    def _page(self, request: Request, app: str) -> HttpResponse:
        params = request.query_params
        result = complete_qr_login(request, app, code=params.get("code"), state=params.get("state"))
        if result is None:
            return login_page(
                gettext("Login refused"), gettext("You refused the login on your phone."), ok=False
            )
        if isinstance(result, LinkResult):
            name = getattr(result.user, "nickname", "") or result.user.get_username()
            return login_page(
                gettext("WeChat linked"),
                gettext("Your WeChat account is now linked to %(name)s. You can close this window.")
                % {"name": name},
            )
        name = getattr(result.user, "nickname", "") or result.user.get_username()
        return login_page(
            gettext("Logged in"),
            gettext("You are logged in as %(name)s. You can close this window.") % {"name": name},
        )
