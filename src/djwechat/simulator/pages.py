"""The fake ``open.weixin.qq.com`` browser pages and the simulated phone.

* ``GET /connect/qrconnect`` — website QR login: shows a real QR code (inline SVG) whose link opens
  the phone page; the page polls the simulator and follows the redirect once the user decided.
* ``GET /connect/oauth2/authorize`` — Official Account H5 OAuth consent inside WeChat.
* ``GET|POST /_sim/phone/<ticket>`` — the phone: pick a fake user and confirm, or refuse.
* ``GET /_sim/phone/<ticket>/status`` — what the QR page polls.
* ``GET /_sim/avatars/<user_id>.svg`` — a generated avatar picture (the demo users' ``headimgurl``).
* ``GET /`` — index of apps, users and recent calls.

Every page speaks the language the browser's ``Accept-Language`` prefers
(:mod:`djwechat.simulator.i18n`); the status poll is JSON for the QR page's script and has no prose.
"""

from __future__ import annotations

from typing import Any, Final

import segno

from djwechat.simulator import oauth, templates
from djwechat.simulator.http import Request, Response, html, json_answer, redirect
from djwechat.simulator.i18n import Language, Text, negotiate
from djwechat.simulator.records import Authorization, SimUser
from djwechat.simulator.routing import Route, route
from djwechat.simulator.state import SimulatorState

__all__ = ["PAGE_ROUTES", "method_not_allowed"]


def _users(state: SimulatorState) -> list[tuple[str, str]]:
    with state.lock:
        return [(u.id, u.nickname) for u in state.users.values()]


def _language_of(request: Request) -> Language:
    """The language of the page answering ``request``, from its ``Accept-Language``."""
    return negotiate(request.headers.get("accept-language", ""))


def _page(lang: Language, text: str, status: int = 200) -> Response:
    return html(text, status, language=lang.code)


def _error(lang: Language, status: int, text: Text) -> Response:
    return _page(lang, templates.error_page(lang, status, text.in_language(lang)), status)


_UNKNOWN_TICKET: Final = Text("unknown or expired QR code")


def _app_name(state: SimulatorState, app_id: str) -> str:
    app = state.app(app_id)
    return (app.name or app.app_id) if app else app_id


def qrconnect(state: SimulatorState, request: Request) -> Response:
    """``GET /connect/qrconnect?appid&redirect_uri&response_type=code&scope=snsapi_login&state``."""
    lang = _language_of(request)
    try:
        pending = oauth.start_authorization(state, "qrconnect", request.query)
    except oauth.AuthorizeError as exc:
        return _page(lang, templates.error_page(lang, exc.code, exc.in_language(lang)), 400)
    phone_url = f"{request.base_url}/_sim/phone/{pending.ticket}"
    qr_svg = segno.make(phone_url, error="m").svg_inline(scale=5)
    return _page(
        lang,
        templates.qr_page(
            lang,
            app_name=_app_name(state, pending.app_id),
            qr_svg=qr_svg,
            phone_url=phone_url,
            status_url=f"{request.base_url}/_sim/phone/{pending.ticket}/status",
        ),
    )


def oauth2_authorize(state: SimulatorState, request: Request) -> Response:
    """``GET /connect/oauth2/authorize?appid&redirect_uri&response_type=code&scope&state``."""
    lang = _language_of(request)
    try:
        pending = oauth.start_authorization(state, "oauth2", request.query)
    except oauth.AuthorizeError as exc:
        return _page(lang, templates.error_page(lang, exc.code, exc.in_language(lang)), 400)
    return _page(
        lang,
        templates.consent_page(
            lang,
            app_name=_app_name(state, pending.app_id),
            action=f"/_sim/phone/{pending.ticket}",
            users=_users(state),
            scope=pending.scope,
            snapshot=True,
        ),
    )


def _pending(state: SimulatorState, ticket: str) -> Authorization | None:
    with state.lock:
        return state.authorizations.get(ticket)


def phone(state: SimulatorState, request: Request) -> Response:
    """``GET /_sim/phone/<ticket>``: the user has scanned the QR code."""
    lang = _language_of(request)
    pending = _pending(state, request.params["ticket"])
    if pending is None:
        return _error(lang, 404, _UNKNOWN_TICKET)
    with state.lock:
        if pending.status == "pending":
            pending.status = "scanned"
    return _page(
        lang,
        templates.phone_page(
            lang,
            app_name=_app_name(state, pending.app_id),
            action=f"/_sim/phone/{pending.ticket}",
            users=_users(state),
            scope=pending.scope,
            snapshot=pending.flow == "oauth2",
        ),
    )


def phone_decide(state: SimulatorState, request: Request) -> Response:
    """``POST /_sim/phone/<ticket>`` (form ``decision`` = approve / deny / snapshot, ``user_id`` or ``nickname``)."""
    lang = _language_of(request)
    pending = _pending(state, request.params["ticket"])
    if pending is None:
        return _error(lang, 404, _UNKNOWN_TICKET)
    form = request.form()
    decision = form.get("decision", "approve")
    approve = decision != "deny"
    with state.lock:
        user_id = form.get("user_id", "")
        nickname = form.get("nickname", "").strip()[:64]
        if not user_id and nickname and approve:
            user_id = state.new_user_id()
            state.add_user(SimUser(id=user_id, nickname=nickname))
        if approve and not user_id:
            return _error(lang, 400, Text("pick a user or create one"))
        try:
            decided = oauth.decide(
                state, pending, user_id or None, approve=approve, snapshot=decision == "snapshot"
            )
        except oauth.DecisionError as exc:
            return _error(lang, exc.status, exc.text)
    if decided.flow == "oauth2" and decided.redirect:
        # Inside WeChat the consent screen itself navigates to the site.
        return redirect(decided.redirect)
    message = (
        lang.gettext("Login confirmed: go back to the computer.")
        if approve
        else lang.gettext("Login refused.")
    )
    return _page(lang, templates.done_page(lang, message))


def phone_status(state: SimulatorState, request: Request) -> Response:
    """``GET /_sim/phone/<ticket>/status``: ``{status, redirect?}`` for the QR page's poller."""
    pending = _pending(state, request.params["ticket"])
    if pending is None:
        return json_answer({"status": "expired", "redirect": None}, status=404)
    data: dict[str, Any] = pending.public(state.now())
    return json_answer({"status": data["status"], "redirect": data["redirect"]})


def avatar(state: SimulatorState, request: Request) -> Response:
    """``GET /_sim/avatars/<name>.svg``: a coloured disc with the name's first letter."""
    name = request.params["name"].removesuffix(".svg")
    return Response(
        status=200,
        body=templates.avatar_svg(name).encode("utf-8"),
        content_type="image/svg+xml",
        headers=[("Cache-Control", "max-age=86400")],
    )


def index(state: SimulatorState, request: Request) -> Response:
    """``GET /``: what the simulator knows."""
    with state.lock:
        apps = [a.public() for a in state.apps.values()]
        users = [state.user_view(u) for u in state.users.values()]
        calls = [c.public() for c in list(state.calls)[-30:]][::-1]
    lang = _language_of(request)
    return _page(lang, templates.index_page(lang, apps=apps, users=users, calls=calls))


def method_not_allowed(request: Request) -> Response:
    """The 405 page of a browser page asked with a method it does not answer."""
    lang = _language_of(request)
    return _error(lang, 405, Text("this page does not answer %(method)s", {"method": request.method}))


PAGE_ROUTES: Final[list[Route]] = [
    route("/", index, "page"),
    route("/_sim", index, "page"),
    route("/connect/qrconnect", qrconnect, "page"),
    route("/connect/oauth2/authorize", oauth2_authorize, "page"),
    route("/_sim/phone/<ticket>", phone, "page"),
    route("/_sim/phone/<ticket>", phone_decide, "page", ("POST",)),
    route("/_sim/phone/<ticket>/status", phone_status, "page"),
    route("/_sim/avatars/<name>", avatar, "page"),
]
