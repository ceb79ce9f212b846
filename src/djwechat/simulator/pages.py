"""The fake ``open.weixin.qq.com`` browser pages and the simulated phone.

* ``GET /connect/qrconnect`` — website QR login: shows a real QR code (inline SVG) whose link opens
  the phone page; the page polls the simulator and follows the redirect once the user decided.
* ``GET /connect/oauth2/authorize`` — Official Account H5 OAuth consent inside WeChat.
* ``GET|POST /_sim/phone/<ticket>`` — the phone: pick a fake user and confirm, or refuse.
* ``GET /_sim/phone/<ticket>/status`` — what the QR page polls.
* ``GET /_sim/avatars/<user_id>.svg`` — a generated avatar picture (the demo users' ``headimgurl``).
* ``GET /`` — index of apps, users and recent calls.
"""

from __future__ import annotations

from typing import Any, Final

import segno

from djwechat.simulator import oauth, templates
from djwechat.simulator.http import Request, Response, html, json_answer, redirect
from djwechat.simulator.records import Authorization, SimUser
from djwechat.simulator.routing import Route, route
from djwechat.simulator.state import SimulatorState

__all__ = ["PAGE_ROUTES"]


def _users(state: SimulatorState) -> list[tuple[str, str]]:
    with state.lock:
        return [(u.id, u.nickname) for u in state.users.values()]


def _app_name(state: SimulatorState, app_id: str) -> str:
    app = state.app(app_id)
    return (app.name or app.app_id) if app else app_id


def qrconnect(state: SimulatorState, request: Request) -> Response:
    """``GET /connect/qrconnect?appid&redirect_uri&response_type=code&scope=snsapi_login&state``."""
    try:
        pending = oauth.start_authorization(state, "qrconnect", request.query)
    except oauth.AuthorizeError as exc:
        return html(templates.error_page(exc.code, exc.message), status=400)
    phone_url = f"{request.base_url}/_sim/phone/{pending.ticket}"
    qr_svg = segno.make(phone_url, error="m").svg_inline(scale=5)
    return html(
        templates.qr_page(
            app_name=_app_name(state, pending.app_id),
            qr_svg=qr_svg,
            phone_url=phone_url,
            status_url=f"{request.base_url}/_sim/phone/{pending.ticket}/status",
        )
    )


def oauth2_authorize(state: SimulatorState, request: Request) -> Response:
    """``GET /connect/oauth2/authorize?appid&redirect_uri&response_type=code&scope&state``."""
    try:
        pending = oauth.start_authorization(state, "oauth2", request.query)
    except oauth.AuthorizeError as exc:
        return html(templates.error_page(exc.code, exc.message), status=400)
    return html(
        templates.consent_page(
            app_name=_app_name(state, pending.app_id),
            action=f"/_sim/phone/{pending.ticket}",
            users=_users(state),
            scope=pending.scope,
            snapshot=True,
        )
    )


def _pending(state: SimulatorState, ticket: str) -> Authorization | None:
    with state.lock:
        return state.authorizations.get(ticket)


def phone(state: SimulatorState, request: Request) -> Response:
    """``GET /_sim/phone/<ticket>``: the user has scanned the QR code."""
    pending = _pending(state, request.params["ticket"])
    if pending is None:
        return html(templates.error_page(404, "unknown or expired QR code"), status=404)
    with state.lock:
        if pending.status == "pending":
            pending.status = "scanned"
    return html(
        templates.phone_page(
            app_name=_app_name(state, pending.app_id),
            action=f"/_sim/phone/{pending.ticket}",
            users=_users(state),
            scope=pending.scope,
            snapshot=pending.flow == "oauth2",
        )
    )


def phone_decide(state: SimulatorState, request: Request) -> Response:
    """``POST /_sim/phone/<ticket>`` (form ``decision`` = approve / deny / snapshot, ``user_id`` or ``nickname``)."""
    pending = _pending(state, request.params["ticket"])
    if pending is None:
        return html(templates.error_page(404, "unknown or expired QR code"), status=404)
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
            return html(templates.error_page(400, "pick a user or create one"), status=400)
        try:
            decided = oauth.decide(
                state, pending, user_id or None, approve=approve, snapshot=decision == "snapshot"
            )
        except LookupError as exc:
            return html(templates.error_page(404, str(exc)), status=404)
        except ValueError as exc:
            return html(templates.error_page(409, str(exc)), status=409)
    if decided.flow == "oauth2" and decided.redirect:
        # Inside WeChat the consent screen itself navigates to the site.
        return redirect(decided.redirect)
    message = "Login confirmed: go back to the computer." if approve else "Login refused."
    return html(templates.done_page(message))


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
    return html(templates.index_page(apps=apps, users=users, calls=calls))


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
