"""The browser side of WeChat logins: starting an authorization and deciding it.

* Website QR login, ``open.weixin.qq.com/connect/qrconnect``
  (doc/oplatform/Website_App/WeChat_Login/Wechat_Login.html): scope ``snsapi_login`` only; the
  browser shows a QR code, the user scans and confirms on the phone, then the browser is sent to
  ``redirect_uri?code=CODE&state=STATE``.
* Official Account H5 OAuth, ``open.weixin.qq.com/connect/oauth2/authorize``
  (doc/offiaccount/OA_Web_Apps/Wechat_webpage_authorization.html): scope ``snsapi_base`` or
  ``snsapi_userinfo``; consent in the WeChat browser, then the same redirect.

On refusal the simulator sends the browser to ``redirect_uri?state=STATE`` without a code (the
older documented behaviour; the current guide says nothing happens), so backends can exercise
their "no code" path.
"""

from __future__ import annotations

import secrets
from typing import Final, Literal
from urllib.parse import urlencode, urlsplit, urlunsplit

from djwechat.simulator.i18n import Language, Text
from djwechat.simulator.records import Authorization, SimApp
from djwechat.simulator.state import AUTHORIZATION_LIFETIME, SimulatorState

__all__ = ["AuthorizeError", "DecisionError", "decide", "start_authorization"]

_SCOPES: Final = {"qrconnect": ("snsapi_login",), "oauth2": ("snsapi_base", "snsapi_userinfo")}
_APP_TYPES: Final = {"qrconnect": "website", "oauth2": "official_account"}
_STATE_MAX_BYTES: Final = 128


class AuthorizeError(Exception):
    """WeChat would show its error page instead of the login.

    ``code`` is WeChat's page code and ``wechat`` the Chinese text that page shows (quoted as it
    is, in every language); ``detail`` says what was wrong.
    """

    def __init__(self, code: int, wechat: str, detail: Text) -> None:
        self.code = code
        self.wechat = wechat
        self.detail = detail
        super().__init__(f"{code}: {wechat} ({detail})")

    def in_language(self, language: Language) -> str:
        """WeChat's text and the detail in ``language`` (plain text)."""
        return language.gettext("%(wechat)s (%(detail)s)") % {
            "wechat": self.wechat,
            "detail": self.detail.in_language(language),
        }


class DecisionError(Exception):
    """Why an authorization cannot be decided.

    ``status`` is 404 (no such user or app) or 409 (already decided, expired, a snapshot of a QR
    login); ``text`` says why, in any language (``str()`` is the English).
    """

    def __init__(self, status: int, text: Text) -> None:
        self.status = status
        self.text = text
        super().__init__(str(text))


def _check_redirect_uri(app: SimApp, redirect_uri: str) -> None:
    parts = urlsplit(redirect_uri)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise AuthorizeError(
            10003, "redirect_uri 参数错误", Text("redirect_uri must be an absolute http(s) URL")
        )
    if app.redirect_domains and parts.hostname not in app.redirect_domains:
        raise AuthorizeError(
            10003, "redirect_uri 域名与后台配置不一致", Text("redirect_uri domain not authorised")
        )


def start_authorization(
    state: SimulatorState,
    flow: Literal["qrconnect", "oauth2"],
    query: dict[str, str],
) -> Authorization:
    """Validate the authorize URL's query like WeChat and remember a pending authorization.

    Raises :class:`AuthorizeError` (10012 no appid, 10016 unknown appid or wrong app type,
    10011 no redirect_uri, 10003 bad redirect_uri, 10010/10005 missing/unsupported scope,
    10013 state too long).
    """
    app_id = query.get("appid", "")
    if not app_id:
        raise AuthorizeError(10012, "appid 参数错误", Text("appid missing"))
    app = state.app(app_id)
    if app is None or app.type != _APP_TYPES[flow]:
        raise AuthorizeError(
            10016, "appid 参数错误", Text("no %(type)s app with this appid", {"type": _APP_TYPES[flow]})
        )
    redirect_uri = query.get("redirect_uri", "")
    if not redirect_uri:
        raise AuthorizeError(10011, "redirect_uri 参数错误", Text("redirect_uri missing"))
    _check_redirect_uri(app, redirect_uri)
    if query.get("response_type", "code") != "code":
        raise AuthorizeError(10005, "response_type 参数错误", Text("response_type must be code"))
    scope = query.get("scope", "")
    if not scope:
        raise AuthorizeError(10010, "scope 参数错误", Text("scope missing"))
    if scope not in _SCOPES[flow]:
        raise AuthorizeError(10005, "scope 参数错误或没有 scope 权限", Text("unsupported scope"))
    oauth_state = query.get("state", "")
    if len(oauth_state.encode()) > _STATE_MAX_BYTES:
        raise AuthorizeError(10013, "state 参数错误", Text("state is at most 128 bytes"))
    now = state.now()
    return state.add_authorization(
        Authorization(
            ticket=secrets.token_urlsafe(16),
            flow=flow,
            app_id=app_id,
            redirect_uri=redirect_uri,
            scope=scope,
            state=oauth_state,
            created_at=now,
            expires_at=now + AUTHORIZATION_LIFETIME,
        )
    )


def with_query(url: str, params: dict[str, str]) -> str:
    """``url`` with ``params`` appended to its query string (the fragment is dropped)."""
    parts = urlsplit(url)
    query = parts.query + ("&" if parts.query else "") + urlencode(params)
    return urlunsplit((parts.scheme, parts.netloc, parts.path, query, ""))


def decide(
    state: SimulatorState,
    authorization: Authorization,
    user_id: str | None,
    *,
    approve: bool,
    snapshot: bool = False,
) -> Authorization:
    """The user approves (a code is minted, redirect with ``code`` and ``state``) or refuses.

    Approving needs ``user_id``.  ``snapshot`` (Official Account pages only) plays a visit from a
    Moments snapshot page: the code's token names a stand-in openid with ``is_snapshotuser: 1``
    and scope ``snsapi_base``.  Raises :class:`DecisionError`: 404 for an unknown user or app,
    409 when the authorization was already decided or has expired, or for a snapshot of a QR
    login.
    """
    with state.lock:
        if authorization.status not in ("pending", "scanned"):
            raise DecisionError(
                409,
                Text("this authorization was already decided (%(status)s)", {"status": authorization.status}),
            )
        if state.now() >= authorization.expires_at:
            authorization.status = "expired"
            raise DecisionError(409, Text("this authorization has expired"))
        user = state.users.get(user_id) if user_id else None
        if user_id and user is None:
            raise DecisionError(404, Text("no user %(user_id)s", {"user_id": user_id}))
        if not approve:
            authorization.status = "denied"
            authorization.user_id = user_id
            authorization.redirect = with_query(authorization.redirect_uri, {"state": authorization.state})
            return authorization
        app = state.app(authorization.app_id)
        if user is None or app is None:
            raise DecisionError(
                404,
                Text("approving needs a user")
                if user is None
                else Text("no app %(app_id)s", {"app_id": authorization.app_id}),
            )
        if snapshot and authorization.flow != "oauth2":
            raise DecisionError(409, Text("only Official Account pages are opened from Moments snapshots"))
        scope = "snsapi_base" if snapshot else authorization.scope
        code = state.mint_code(app, user, "oauth", scope=scope, snapshot=snapshot)
        authorization.user_id = user.id
        authorization.status = "approved"
        authorization.code = code.code
        authorization.redirect = with_query(
            authorization.redirect_uri, {"code": code.code, "state": authorization.state}
        )
        return authorization
