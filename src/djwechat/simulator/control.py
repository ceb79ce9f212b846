"""The simulator's control API under ``/_sim/`` (JSON in and out, 4xx JSON errors).

Used by tests, demos and tooling to set up the fake world and look inside it:

=====================================  ===================================================
``GET|POST /_sim/apps``                list / register (or update) an app
``GET /_sim/apps/<app_id>``            one app (secrets never returned)
``GET|POST /_sim/users``               list / create (or update) a fake user
``GET /_sim/users/<user_id>``          one user, with openid per app and unionids
``POST /_sim/codes``                   mint a login / phone / oauth code
``POST /_sim/encrypted_data``          a mini program's encrypted user info / phone number
``GET /_sim/authorizations``           pending browser logins
``POST /_sim/authorizations/<state>``  a user approves or refuses a pending login
``GET|POST|DELETE /_sim/faults``       list / inject / clear faults
``GET|DELETE /_sim/calls``             the call log (secrets masked) / clear it
``GET /_sim/messages``                 customer-service messages sent to users
``GET|POST /_sim/clock``               read / move the simulated clock
``POST /_sim/reset``                   forget everything
=====================================  ===================================================
"""

from __future__ import annotations

import re
from typing import Any, Final

from djwechat.simulator import oauth
from djwechat.simulator.errors import ControlError
from djwechat.simulator.http import Request, Response, json_answer
from djwechat.simulator.identity import default_phone_number
from djwechat.simulator.opendata import OPEN_DATA_ROUTES
from djwechat.simulator.records import APP_TYPES, Fault, SimApp, SimUser
from djwechat.simulator.routing import Route, route
from djwechat.simulator.state import SimulatorState
from djwechat.simulator.validation import (
    ID_RE,
    bool_field,
    id_field,
    json_body,
    not_found,
    number_field,
    str_field,
)

__all__ = ["CONTROL_ROUTES"]

_AES_KEY_RE: Final = re.compile(r"\A[A-Za-z0-9]{43}\Z")
#: Longest latency or hang a fault may ask for (seconds), so a typo cannot wedge a test run.
MAX_FAULT_SECONDS: Final = 120.0

# ---------------------------------------------------------------------- apps


def list_apps(state: SimulatorState, request: Request) -> dict[str, Any]:
    """``GET /_sim/apps``."""
    with state.lock:
        return {"apps": [app.public() for app in state.apps.values()]}


def register_app(state: SimulatorState, request: Request) -> Response:
    """``POST /_sim/apps`` ``{type, app_id, app_secret, name?, open_account?, token?,
    encoding_aes_key?, message_url?, original_id?, rate_limit?, redirect_domains?}``."""
    data = json_body(request)
    app_type = str_field(data, "type", required=True)
    if app_type not in APP_TYPES:
        raise ControlError(f"type must be one of {', '.join(APP_TYPES)}")
    encoding_aes_key = str_field(data, "encoding_aes_key")
    if encoding_aes_key and not _AES_KEY_RE.match(encoding_aes_key):
        raise ControlError("encoding_aes_key must be 43 letters and digits")
    message_url = str_field(data, "message_url")
    if message_url and not re.match(r"^https?://[^/\s]+", message_url):
        raise ControlError("message_url must be an http(s) URL")
    open_account = data.get("open_account", "default")
    if open_account is not None and (not isinstance(open_account, str) or not ID_RE.match(open_account)):
        raise ControlError("open_account must be an id string or null")
    rate_limit = data.get("rate_limit")
    if rate_limit is not None and (
        isinstance(rate_limit, bool) or not isinstance(rate_limit, int) or rate_limit < 0
    ):
        raise ControlError("rate_limit must be a non-negative integer or null")
    domains = data.get("redirect_domains", [])
    if not isinstance(domains, list) or not all(isinstance(d, str) for d in domains):
        raise ControlError("redirect_domains must be a list of host names")
    app = SimApp(
        type=app_type,
        app_id=id_field(data, "app_id"),
        app_secret=str_field(data, "app_secret", required=True),
        name=str_field(data, "name"),
        open_account=open_account,
        token=str_field(data, "token"),
        encoding_aes_key=encoding_aes_key,
        message_url=message_url,
        original_id=str_field(data, "original_id") or f"gh_{id_field(data, 'app_id')[-12:]}",
        rate_limit=rate_limit,
        redirect_domains=tuple(domains),
    )
    state.register_app(app)
    return json_answer({"app": app.public()}, status=201)


def get_app(state: SimulatorState, request: Request) -> dict[str, Any]:
    """``GET /_sim/apps/<app_id>``."""
    app = state.app(request.params["app_id"])
    if app is None:
        raise not_found("app")
    return {"app": app.public()}


# ---------------------------------------------------------------------- users


def list_users(state: SimulatorState, request: Request) -> dict[str, Any]:
    """``GET /_sim/users``."""
    with state.lock:
        return {"users": [state.user_view(user) for user in state.users.values()]}


def create_user(state: SimulatorState, request: Request) -> Response:
    """``POST /_sim/users`` ``{id?, nickname?, headimgurl?, sex?, phone_number?, country_code?}``.

    An existing id is updated (its session keys are kept).
    """
    data = json_body(request)
    with state.lock:
        user_id = id_field(data, "id", required=False) or state.new_user_id()
        sex = data.get("sex", 0)
        if sex not in (0, 1, 2):
            raise ControlError("sex must be 0 (unknown), 1 (male) or 2 (female)")
        phone = str_field(data, "phone_number") or default_phone_number(user_id)
        if not phone.isdigit() or len(phone) > 20:
            raise ControlError("phone_number must be digits (without the country code)")
        country = str_field(data, "country_code", default="86")
        if not country.isdigit() or len(country) > 4:
            raise ControlError("country_code must be 1-4 digits")
        previous = state.users.get(user_id)
        user = SimUser(
            id=user_id,
            nickname=str_field(data, "nickname") or f"WeChat user {user_id}",
            headimgurl=str_field(data, "headimgurl"),
            sex=sex,
            phone_number=phone,
            country_code=country,
            session_keys=previous.session_keys if previous else {},
        )
        state.add_user(user)
        return json_answer({"user": state.user_view(user)}, status=201)


def get_user(state: SimulatorState, request: Request) -> dict[str, Any]:
    """``GET /_sim/users/<user_id>``."""
    with state.lock:
        user = state.users.get(request.params["user_id"])
        if user is None:
            raise not_found("user")
        return {"user": state.user_view(user)}


# ---------------------------------------------------------------------- codes


def mint_code(state: SimulatorState, request: Request) -> Response:
    """``POST /_sim/codes`` ``{app_id, user_id, kind: "login"|"phone"|"oauth", scope?}``.

    ``login`` is what ``wx.login`` hands the front end, ``phone`` what the phone-number button
    hands it; ``oauth`` skips the browser pages (scope defaults to ``snsapi_login`` for a
    website app, ``snsapi_userinfo`` for an Official Account).
    """
    data = json_body(request)
    kind = str_field(data, "kind", default="login")
    with state.lock:
        app = state.app(str_field(data, "app_id", required=True))
        if app is None:
            raise not_found("app")
        user = state.users.get(str_field(data, "user_id", required=True))
        if user is None:
            raise not_found("user")
        scope = str_field(data, "scope")
        if kind in ("login", "phone"):
            if app.type != "miniprogram":
                raise ControlError(f"{kind} codes belong to mini programs; {app.app_id} is a {app.type}")
            if scope:
                raise ControlError("scope only applies to oauth codes")
        elif kind == "oauth":
            if app.type == "website":
                scope = scope or "snsapi_login"
                allowed: tuple[str, ...] = ("snsapi_login",)
            elif app.type == "official_account":
                scope = scope or "snsapi_userinfo"
                allowed = ("snsapi_base", "snsapi_userinfo")
            else:
                raise ControlError("oauth codes belong to website apps and official accounts")
            if scope not in allowed:
                raise ControlError(f"scope must be one of {', '.join(allowed)}")
        else:
            raise ControlError("kind must be login, phone or oauth")
        code = state.mint_code(app, user, kind, scope=scope)  # type: ignore[arg-type]
        return json_answer(
            {
                "code": code.code,
                "kind": code.kind,
                "app_id": app.app_id,
                "user_id": user.id,
                "scope": code.scope,
                "expires_in": int(code.expires_at - code.created_at),
            },
            status=201,
        )


# ---------------------------------------------------------------------- authorizations


def list_authorizations(state: SimulatorState, request: Request) -> dict[str, Any]:
    """``GET /_sim/authorizations``: every browser login started (newest last)."""
    with state.lock:
        now = state.now()
        return {"authorizations": [a.public(now) for a in state.authorizations.values()]}


def authorize(state: SimulatorState, request: Request) -> dict[str, Any]:
    """``POST /_sim/authorizations/<state>`` ``{user_id, approve: true, snapshot: false}``.

    Decides the most recent pending browser login with that OAuth ``state`` (QR code shown by
    ``connect/qrconnect`` or the consent page of ``connect/oauth2/authorize``). The answer has the
    ``redirect`` the browser is sent to (with ``code`` and ``state`` when approved).
    ``snapshot`` plays an Official Account page opened from a Moments snapshot.
    """
    data = json_body(request)
    approve = bool_field(data, "approve", default=True)
    snapshot = bool_field(data, "snapshot", default=False)
    user_id = str_field(data, "user_id", required=approve) or None
    with state.lock:
        pending = state.authorization_by_state(request.params["state"])
        if pending is None:
            raise not_found("pending authorization with this state")
        try:
            decided = oauth.decide(state, pending, user_id, approve=approve, snapshot=snapshot)
        except oauth.DecisionError as exc:
            code = "not_found" if exc.status == 404 else "conflict"
            raise ControlError(str(exc), status=exc.status, code=code) from None
        answer = decided.public(state.now())
        if decided.code:
            answer["code"] = decided.code
        return answer


# ---------------------------------------------------------------------- faults


def list_faults(state: SimulatorState, request: Request) -> dict[str, Any]:
    """``GET /_sim/faults``."""
    with state.lock:
        return {"faults": [f.public() for f in state.faults]}


def add_fault(state: SimulatorState, request: Request) -> Response:
    """``POST /_sim/faults`` ``{path, errcode?, errmsg?, latency?, timeout?, drop?, body?, status?,
    content_type?, times?}``.

    For the next ``times`` calls (default 1) of ``path``: answer ``errcode``, wait ``latency``
    seconds first, hang without answering (``timeout``), close the connection (``drop``) or answer
    ``body`` as it is (with ``status``, default 200, and ``content_type``, default HTML).
    """
    data = json_body(request)
    path = str_field(data, "path", required=True)
    path = "/" + path.strip("/")
    if path.startswith("/_sim"):
        raise ControlError("faults cannot target the control API")
    errcode = data.get("errcode")
    if errcode is not None and (isinstance(errcode, bool) or not isinstance(errcode, int)):
        raise ControlError("errcode must be an integer")
    times = data.get("times", 1)
    if isinstance(times, bool) or not isinstance(times, int) or not 1 <= times <= 10_000:
        raise ControlError("times must be an integer from 1 to 10000")
    timeout = bool_field(data, "timeout", default=False)
    drop = bool_field(data, "drop", default=False)
    if timeout and drop:
        raise ControlError("a fault either hangs (timeout) or drops the connection, not both")
    body = data.get("body")
    if body is not None and not isinstance(body, str):
        raise ControlError("body must be a string")
    if sum((errcode is not None, timeout, drop, body is not None)) > 1:
        raise ControlError("a fault answers one of errcode, timeout, drop or body")
    status = data.get("status", 200)
    if isinstance(status, bool) or not isinstance(status, int) or not 200 <= status <= 599:
        raise ControlError("status must be an HTTP status from 200 to 599")
    fault = Fault(
        id=state.next_id(),
        path=path,
        times=times,
        errcode=errcode,
        errmsg=str_field(data, "errmsg") or None,
        latency=number_field(data, "latency", maximum=MAX_FAULT_SECONDS),
        timeout=timeout,
        drop=drop,
        body=body,
        status=status,
        content_type=str_field(data, "content_type") or "text/html; charset=utf-8",
    )
    if not (fault.errcode is not None or fault.latency or fault.timeout or fault.drop or body is not None):
        raise ControlError("a fault needs errcode, latency, timeout, drop or body")
    state.add_fault(fault)
    return json_answer({"fault": fault.public()}, status=201)


def clear_faults(state: SimulatorState, request: Request) -> dict[str, Any]:
    """``DELETE /_sim/faults[?path=…]``."""
    path = request.query.get("path")
    if path is not None and not path.startswith("/"):
        path = "/" + path
    return {"removed": state.clear_faults(path)}


# ---------------------------------------------------------------------- calls, messages, clock, reset


def list_calls(state: SimulatorState, request: Request) -> dict[str, Any]:
    """``GET /_sim/calls[?path=/sns/jscode2session][&limit=50]``: oldest first, secrets masked."""
    path = request.query.get("path")
    if path is not None and not path.startswith("/"):
        path = "/" + path
    calls = state.calls_for(path)
    limit = request.query.get("limit")
    if limit is not None:
        if not limit.isdigit():
            raise ControlError("limit must be a non-negative integer")
        calls = calls[-int(limit) :] if int(limit) else []
    return {"calls": [c.public() for c in calls]}


def clear_calls(state: SimulatorState, request: Request) -> dict[str, Any]:
    """``DELETE /_sim/calls``."""
    with state.lock:
        count = len(state.calls)
        state.calls.clear()
    return {"removed": count}


def list_messages(state: SimulatorState, request: Request) -> dict[str, Any]:
    """``GET /_sim/messages[?user_id=…][&app_id=…]``: customer-service messages, oldest first."""
    messages = state.messages_for(user_id=request.query.get("user_id"), app_id=request.query.get("app_id"))
    return {"messages": [m.public() for m in messages]}


def get_clock(state: SimulatorState, request: Request) -> dict[str, Any]:
    """``GET /_sim/clock``: ``{now, offset}``."""
    return {"now": state.now(), "offset": state.clock.offset}


def set_clock(state: SimulatorState, request: Request) -> dict[str, Any]:
    """``POST /_sim/clock`` ``{"advance": seconds}`` | ``{"now": timestamp}`` | ``{"reset": true}``."""
    data = json_body(request)
    if data.get("reset") is True:
        state.clock.reset()
    elif "advance" in data:
        advance = data["advance"]
        if isinstance(advance, bool) or not isinstance(advance, int | float):
            raise ControlError("advance must be a number of seconds")
        state.clock.advance(float(advance))
    elif "now" in data:
        now = data["now"]
        if isinstance(now, bool) or not isinstance(now, int | float) or now <= 0:
            raise ControlError("now must be a positive unix timestamp")
        state.clock.set(float(now))
    else:
        raise ControlError('give {"advance": seconds}, {"now": timestamp} or {"reset": true}')
    return get_clock(state, request)


def reset(state: SimulatorState, request: Request) -> dict[str, Any]:
    """``POST /_sim/reset``: forget every app, user, code, token, fault and call."""
    state.reset()
    return {"reset": True}


CONTROL_ROUTES: Final[list[Route]] = [
    route("/_sim/apps", list_apps, "control"),
    route("/_sim/apps", register_app, "control", ("POST",)),
    route("/_sim/apps/<app_id>", get_app, "control"),
    route("/_sim/users", list_users, "control"),
    route("/_sim/users", create_user, "control", ("POST",)),
    route("/_sim/users/<user_id>", get_user, "control"),
    route("/_sim/codes", mint_code, "control", ("POST",)),
    *OPEN_DATA_ROUTES,
    route("/_sim/authorizations", list_authorizations, "control"),
    route("/_sim/authorizations/<state>", authorize, "control", ("POST",)),
    route("/_sim/faults", list_faults, "control"),
    route("/_sim/faults", add_fault, "control", ("POST",)),
    route("/_sim/faults", clear_faults, "control", ("DELETE",)),
    route("/_sim/calls", list_calls, "control"),
    route("/_sim/calls", clear_calls, "control", ("DELETE",)),
    route("/_sim/messages", list_messages, "control"),
    route("/_sim/clock", get_clock, "control"),
    route("/_sim/clock", set_clock, "control", ("POST",)),
    route("/_sim/reset", reset, "control", ("POST",)),
]
