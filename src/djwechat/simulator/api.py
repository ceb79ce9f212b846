"""The fake ``api.weixin.qq.com`` endpoints.

Each handler follows the official page cited in its docstring (paths under
developers.weixin.qq.com).  Errors are raised as :class:`SimError` and answered by the
application as HTTP 200 + ``{"errcode", "errmsg"}``.
"""

from __future__ import annotations

import hashlib
import hmac
import math
import re
from typing import Any, Final

from djwechat.simulator import access_tokens as tokens
from djwechat.simulator.errors import SimError
from djwechat.simulator.http import Request
from djwechat.simulator.identity import openid_for
from djwechat.simulator.records import AccessToken, CustomMessage, SimApp
from djwechat.simulator.routing import Route, route
from djwechat.simulator.state import SimulatorState

__all__ = ["API_ROUTES"]

#: Message types of the customer-service API (doc/service/api/customer/message/api_sendcustommessage).
CUSTOM_MESSAGE_TYPES: Final = frozenset(
    {
        "text",
        "image",
        "voice",
        "video",
        "music",
        "news",
        "mpnews",
        "mpnewsarticle",
        "msgmenu",
        "wxcard",
        "miniprogrampage",
        "link",
    }
)
_ESCAPE_RE: Final = re.compile(rb"\\u[0-9a-fA-F]{4}")
#: The stand-in user whose openid a Moments snapshot visit gets (``is_snapshotuser``).
SNAPSHOT_VISITOR: Final = "snapshot-visitor"


# ---------------------------------------------------------------------- shared checks


def _app_by_id(state: SimulatorState, app_id: str | None) -> SimApp:
    if not app_id:
        raise SimError(41002)
    app = state.app(app_id)
    if app is None:
        raise SimError(40013)
    state.count_call(app)
    return app


def _authenticate(state: SimulatorState, request: Request, *, secret_errcode: int) -> SimApp:
    """The app named by ``appid`` whose ``secret`` matches (query string, or JSON for POST)."""
    app = _app_by_id(state, request.query.get("appid"))
    secret = request.query.get("secret")
    if not secret:
        raise SimError(41004)
    if not hmac.compare_digest(secret.encode(), app.app_secret.encode()):
        raise SimError(secret_errcode)
    return app


def _token_app(state: SimulatorState, request: Request) -> tuple[SimApp, AccessToken]:
    token = tokens.validate_access_token(state, request.query.get("access_token"))
    app = state.app(token.app_id)
    if app is None:  # pragma: no cover - validate_access_token already checked
        raise SimError(40001)
    state.count_call(app)
    return app, token


def _json_body(request: Request) -> dict[str, Any]:
    """The JSON object body: 44002 when empty, 40033 for ``\\uXXXX`` escapes, 47001 when malformed."""
    if not request.body.strip():
        raise SimError(44002)
    if _ESCAPE_RE.search(request.body):
        # WeChat wants raw UTF-8 (json.dumps(..., ensure_ascii=False)); escaped text is refused.
        raise SimError(40033)
    try:
        data = request.json()
    except (ValueError, RecursionError):  # UnicodeDecodeError is a ValueError
        raise SimError(47001) from None
    if not isinstance(data, dict):
        raise SimError(47001)
    return data


def _expires_in(state: SimulatorState, expires_at: float) -> int:
    # Rounded up: a token issued just now says 7200, as WeChat's do.
    return max(0, math.ceil(expires_at - state.now()))


# ---------------------------------------------------------------------- access tokens


def cgi_token(state: SimulatorState, request: Request) -> dict[str, Any]:
    """``GET /cgi-bin/token`` (doc/offiaccount/Basic_Information/Get_access_token.html).

    A wrong secret answers 40001 here ("invalid credential"), as the live endpoint does.
    """
    if request.query.get("grant_type") != "client_credential":
        raise SimError(40002)
    app = _authenticate(state, request, secret_errcode=40001)
    token = tokens.issue_classic_token(state, app)
    return {"access_token": token.token, "expires_in": _expires_in(state, token.expires_at)}


def stable_token(state: SimulatorState, request: Request) -> dict[str, Any]:
    """``POST /cgi-bin/stable_token`` (doc/service/api/base/api_getstableaccesstoken); JSON body."""
    data = _json_body(request)
    if data.get("grant_type") != "client_credential":
        raise SimError(40002)
    app = _app_by_id(state, data.get("appid") if isinstance(data.get("appid"), str) else None)
    secret = data.get("secret")
    if not isinstance(secret, str) or not secret:
        raise SimError(41004)
    if not hmac.compare_digest(secret.encode(), app.app_secret.encode()):
        raise SimError(40125)
    force = data.get("force_refresh", False)
    if not isinstance(force, bool):
        raise SimError(47001)
    token = tokens.issue_stable_token(state, app, force_refresh=force)
    return {"access_token": token.token, "expires_in": _expires_in(state, token.expires_at)}


# ---------------------------------------------------------------------- mini program


def jscode2session(state: SimulatorState, request: Request) -> dict[str, Any]:
    """``GET /sns/jscode2session`` (miniprogram/dev/OpenApiDoc/user-login/code2Session).

    The js_code is single use (40163 on reuse) and valid 5 minutes (40029 after).
    """
    app = _authenticate(state, request, secret_errcode=40125)
    if app.type != "miniprogram":
        raise SimError(40013)
    if request.query.get("grant_type") != "authorization_code":
        raise SimError(40002)
    js_code = request.query.get("js_code")
    if not js_code:
        raise SimError(41008)
    code = state.consume_code(js_code, app.app_id, "login", expired_errcode=40029)
    answer: dict[str, Any] = {
        "session_key": code.session_key,
        "openid": openid_for(app.app_id, code.user_id),
    }
    unionid = state.unionid(app, code.user_id)
    if unionid:
        answer["unionid"] = unionid
    return answer


def checksession(state: SimulatorState, request: Request) -> dict[str, Any]:
    """``GET /wxa/checksession`` (miniprogram/dev/OpenApiDoc/user-login/checkSessionKey).

    ``signature`` = HMAC-SHA256 keyed with the session_key text over the empty string.
    """
    app, _token = _token_app(state, request)
    openid = request.query.get("openid")
    if not openid:
        raise SimError(41009)
    if request.query.get("sig_method") != "hmac_sha256":
        raise SimError(87009)
    user = state.user_by_openid(app.app_id, openid)
    if user is None:
        raise SimError(40003)
    key = user.session_keys.get(app.app_id, "")
    expected = hmac.new(key.encode(), b"", hashlib.sha256).hexdigest()
    if not key or not hmac.compare_digest(expected, request.query.get("signature", "")):
        raise SimError(87009)
    return {"errcode": 0, "errmsg": "ok"}


def getuserphonenumber(state: SimulatorState, request: Request) -> dict[str, Any]:
    """``POST /wxa/business/getuserphonenumber`` (miniprogram/dev/server/API/user-info/phone-number/
    api_getphonenumber): the phone code is single use and valid 5 minutes."""
    app, _token = _token_app(state, request)
    if app.type != "miniprogram":
        raise SimError(48001)
    data = _json_body(request)
    value = data.get("code")
    if not isinstance(value, str) or not value:
        raise SimError(40029)
    code = state.consume_code(value, app.app_id, "phone", expired_errcode=40029)
    openid = data.get("openid")
    if openid is not None and openid != openid_for(app.app_id, code.user_id):
        raise SimError(40003)
    user = state.users[code.user_id]
    pure = user.phone_number
    country = user.country_code
    return {
        "errcode": 0,
        "errmsg": "ok",
        "phone_info": {
            # phoneNumber carries the country prefix for numbers outside mainland China.
            "phoneNumber": pure if country == "86" else f"+{country}{pure}",
            "purePhoneNumber": pure,
            "countryCode": int(country) if country.isdigit() else country,
            "watermark": {"timestamp": int(state.now()), "appid": app.app_id},
        },
    }


# ---------------------------------------------------------------------- user OAuth (sns)


def oauth_access_token(state: SimulatorState, request: Request) -> dict[str, Any]:
    """``GET /sns/oauth2/access_token`` (doc/service/api/webdev/access/api_snsaccesstoken).

    Website codes live 10 minutes, Official Account codes 5; 42003 after, 40163 on reuse. The
    unionid is returned except for ``snsapi_base`` grants (Official Account web-auth doc). A
    code of a Moments snapshot visit answers a stand-in openid with ``is_snapshotuser: 1``.
    """
    app = _authenticate(state, request, secret_errcode=40125)
    if app.type not in ("website", "official_account"):
        raise SimError(40013)
    if request.query.get("grant_type") != "authorization_code":
        raise SimError(40002)
    value = request.query.get("code")
    if not value:
        raise SimError(41008)
    code = state.consume_code(value, app.app_id, "oauth", expired_errcode=42003)
    grant = tokens.issue_grant(state, app, code.user_id, code.scope)
    answer: dict[str, Any] = {
        "access_token": grant.access_token,
        "expires_in": _expires_in(state, grant.expires_at),
        "refresh_token": grant.refresh_token,
        "openid": openid_for(app.app_id, code.user_id),
        "scope": grant.scope,
    }
    if code.snapshot:
        # A Moments snapshot page: WeChat names one stand-in account, never the visitor.
        answer["openid"] = openid_for(app.app_id, SNAPSHOT_VISITOR)
        answer["is_snapshotuser"] = 1
        return answer
    unionid = state.unionid(app, code.user_id)
    if unionid and grant.scope != "snsapi_base":
        answer["unionid"] = unionid
    return answer


def oauth_refresh_token(state: SimulatorState, request: Request) -> dict[str, Any]:
    """``GET /sns/oauth2/refresh_token`` (doc/service/api/webdev/access/api_snsrefreshtoken)."""
    app = _app_by_id(state, request.query.get("appid"))
    if request.query.get("grant_type") != "refresh_token":
        raise SimError(40002)
    grant = tokens.refresh_grant(state, app, request.query.get("refresh_token"))
    return {
        "access_token": grant.access_token,
        "expires_in": _expires_in(state, grant.expires_at),
        "refresh_token": grant.refresh_token,
        "openid": openid_for(app.app_id, grant.user_id),
        "scope": grant.scope,
    }


def userinfo(state: SimulatorState, request: Request) -> dict[str, Any]:
    """``GET /sns/userinfo`` (doc/service/api/webdev/access/api_snsuserinfo).

    ``snsapi_base`` grants get 48001. Region fields are empty, as since the 2021-10 change.
    """
    grant = tokens.validate_grant(state, request.query.get("access_token"), request.query.get("openid"))
    app = _app_by_id(state, grant.app_id)
    if grant.scope == "snsapi_base":
        raise SimError(48001)
    user = state.users[grant.user_id]
    answer: dict[str, Any] = {
        "openid": openid_for(app.app_id, user.id),
        "nickname": user.nickname,
        "sex": user.sex,
        "province": "",
        "city": "",
        "country": "",
        "headimgurl": user.headimgurl,
        "privilege": [],
    }
    unionid = state.unionid(app, user.id)
    if unionid:
        answer["unionid"] = unionid
    return answer


def sns_auth(state: SimulatorState, request: Request) -> dict[str, Any]:
    """``GET /sns/auth`` (doc/service/api/webdev/access/api_snsauth): is a user token still valid."""
    tokens.validate_grant(state, request.query.get("access_token"), request.query.get("openid"))
    return {"errcode": 0, "errmsg": "ok"}


# ---------------------------------------------------------------------- customer service


def custom_send(state: SimulatorState, request: Request) -> dict[str, Any]:
    """``POST /cgi-bin/message/custom/send`` (doc/service/api/customer/message/api_sendcustommessage).

    The message is recorded for the user (``GET /_sim/messages``).
    """
    app, _token = _token_app(state, request)
    if app.type == "website":
        raise SimError(48001)
    data = _json_body(request)
    openid = data.get("touser")
    if not isinstance(openid, str) or not openid:
        raise SimError(41009)
    user = state.user_by_openid(app.app_id, openid)
    if user is None:
        raise SimError(40003)
    msgtype = data.get("msgtype")
    if msgtype not in CUSTOM_MESSAGE_TYPES:
        raise SimError(40008)
    payload = data.get(msgtype)
    if not isinstance(payload, dict):
        raise SimError(47001)
    if msgtype == "text" and (not isinstance(payload.get("content"), str) or not payload["content"]):
        raise SimError(47001)
    state.record_message(
        CustomMessage(
            id=state.next_id(),
            time=state.now(),
            app_id=app.app_id,
            user_id=user.id,
            openid=openid,
            msgtype=str(msgtype),
            payload=payload,
        )
    )
    return {"errcode": 0, "errmsg": "ok"}


API_ROUTES: Final[list[Route]] = [
    route("/cgi-bin/token", cgi_token, "api"),
    route("/cgi-bin/stable_token", stable_token, "api", ("POST",)),
    route("/sns/jscode2session", jscode2session, "api"),
    route("/wxa/checksession", checksession, "api"),
    route("/wxa/business/getuserphonenumber", getuserphonenumber, "api", ("POST",)),
    route("/sns/oauth2/access_token", oauth_access_token, "api"),
    route("/sns/oauth2/refresh_token", oauth_refresh_token, "api"),
    route("/sns/userinfo", userinfo, "api"),
    route("/sns/auth", sns_auth, "api"),
    route("/cgi-bin/message/custom/send", custom_send, "api", ("POST",)),
]
