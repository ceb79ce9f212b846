"""The WeChat server APIs the client calls, described as data.

Each builder returns an :class:`APICall`: what to send (method, path, query, JSON body), how to
treat it (may it be sent again after it possibly reached WeChat, which values are secrets) and
how to read the answer (``parse``).  Building a call does no I/O, so the sync and the async client
describe every endpoint through the same functions and differ only in how they send.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any, Generic, TypeVar

from djwechat.client.types import AccessToken, Code2Session, OAuthToken, OAuthUserInfo, PhoneInfo
from djwechat.conf import AppSettings
from djwechat.exceptions import UpstreamError

__all__ = [
    "APICall",
    "app_token",
    "code_to_session",
    "custom_message",
    "oauth_access_token",
    "oauth_check",
    "oauth_refresh_token",
    "oauth_user_info",
    "phone_number",
]

T = TypeVar("T")

#: ``sns/auth`` answers these when the user-level token or openid is not (or no longer) valid.
_OAUTH_INVALID: Mapping[int, bool] = dict.fromkeys((40001, 40003, 40014, 42001), False)


@dataclass(frozen=True, slots=True)
class APICall(Generic[T]):
    """One call to ``API_BASE_URL``, not yet sent; ``parse`` turns a success answer into ``T``."""

    method: str
    path: str
    parse: Callable[[dict[str, Any]], T] = field(repr=False)
    params: Mapping[str, str] = field(default_factory=dict, repr=False)
    body: Mapping[str, Any] | None = field(default=None, repr=False)
    #: May be sent again after it possibly reached WeChat (a dropped connection).  ``False`` for
    #: calls that consume a single-use code and for message sends.
    idempotent: bool = True
    #: Values scrubbed from WeChat's error text before it is kept in an exception.
    secrets: tuple[str, ...] = field(default=(), repr=False)
    #: The query carries an access token, so 40001 means "token refused", not "bad secret".
    uses_access_token: bool = False
    #: The app access token must be added as the ``access_token`` query parameter.
    needs_app_token: bool = False
    #: errcodes that are an answer rather than an error (``sns/auth``: "not valid" is ``False``).
    errcode_results: Mapping[int, T] = field(default_factory=dict)

    def with_app_token(self, token: str) -> APICall[T]:
        """This call carrying the app access token ``token``."""
        return replace(
            self,
            params={**self.params, "access_token": token},
            secrets=(*self.secrets, token),
            uses_access_token=True,
        )


def app_token(app: AppSettings, *, mode: str, force_refresh: bool = False) -> APICall[AccessToken]:
    """Fetch an app access token.

    ``stable``: ``POST cgi-bin/stable_token`` (doc/service/api/base/api_getstableaccesstoken);
    ``classic``: ``GET cgi-bin/token`` (doc/offiaccount/Basic_Information/Get_access_token.html),
    where ``force_refresh`` has no meaning.
    """
    credentials = {"grant_type": "client_credential", "appid": app.app_id, "secret": app.app_secret}
    if mode == "stable":
        return APICall(
            "POST",
            "/cgi-bin/stable_token",
            lambda body: AccessToken.from_json(body, api="cgi-bin/stable_token"),
            body={**credentials, "force_refresh": force_refresh},
            secrets=(app.app_secret,),
        )
    return APICall(
        "GET",
        "/cgi-bin/token",
        lambda body: AccessToken.from_json(body, api="cgi-bin/token"),
        params=credentials,
        secrets=(app.app_secret,),
    )


def _code_exchange(
    app: AppSettings, path: str, parse: Callable[[dict[str, Any]], T], *, code_param: str, code: str
) -> APICall[T]:
    """A ``GET`` that trades a single-use code and the app secret for a user's credentials.

    Not repeated once it may have reached WeChat: the code may already be consumed.
    """
    return APICall(
        "GET",
        path,
        parse,
        params={
            "appid": app.app_id,
            "secret": app.app_secret,
            code_param: code,
            "grant_type": "authorization_code",
        },
        idempotent=False,
        secrets=(app.app_secret, code),
    )


def code_to_session(app: AppSettings, js_code: str) -> APICall[Code2Session]:
    """``GET sns/jscode2session`` (miniprogram/dev/OpenApiDoc/user-login/code2Session)."""
    return _code_exchange(
        app, "/sns/jscode2session", Code2Session.from_json, code_param="js_code", code=js_code
    )


def _phone_info(body: dict[str, Any]) -> PhoneInfo:
    info = body.get("phone_info")
    if not isinstance(info, dict):
        raise UpstreamError("WeChat answered wxa/business/getuserphonenumber without phone_info.")
    return PhoneInfo.from_json(info)


def phone_number(code: str, *, openid: str | None = None) -> APICall[PhoneInfo]:
    """``POST wxa/business/getuserphonenumber`` (miniprogram/dev/server/API/user-info/phone-number/
    api_getphonenumber); ``openid`` lets WeChat check that the code belongs to that user."""
    payload: dict[str, Any] = {"code": code}
    if openid:
        payload["openid"] = openid
    return APICall(
        "POST",
        "/wxa/business/getuserphonenumber",
        _phone_info,
        body=payload,
        idempotent=False,
        needs_app_token=True,
    )


def oauth_access_token(app: AppSettings, code: str) -> APICall[OAuthToken]:
    """``GET sns/oauth2/access_token`` (doc/service/api/webdev/access/api_snsaccesstoken)."""
    return _code_exchange(
        app,
        "/sns/oauth2/access_token",
        lambda body: OAuthToken.from_json(body, api="sns/oauth2/access_token"),
        code_param="code",
        code=code,
    )


def oauth_refresh_token(app: AppSettings, refresh_token: str) -> APICall[OAuthToken]:
    """``GET sns/oauth2/refresh_token``: renew a user-level token (refresh tokens live 30 days)."""
    return APICall(
        "GET",
        "/sns/oauth2/refresh_token",
        lambda body: OAuthToken.from_json(body, api="sns/oauth2/refresh_token"),
        params={"appid": app.app_id, "grant_type": "refresh_token", "refresh_token": refresh_token},
        secrets=(refresh_token,),
    )


def oauth_user_info(access_token: str, openid: str, lang: str = "zh_CN") -> APICall[OAuthUserInfo]:
    """``GET sns/userinfo`` (api_snsuserinfo): a profile, with a user-level token."""
    return APICall(
        "GET",
        "/sns/userinfo",
        OAuthUserInfo.from_json,
        params={"access_token": access_token, "openid": openid, "lang": lang},
        secrets=(access_token,),
        uses_access_token=True,
    )


def oauth_check(access_token: str, openid: str) -> APICall[bool]:
    """``GET sns/auth`` (api_snsauth): ``False`` for the documented "not valid" answers."""
    return APICall(
        "GET",
        "/sns/auth",
        lambda body: True,
        params={"access_token": access_token, "openid": openid},
        secrets=(access_token,),
        uses_access_token=True,
        errcode_results=_OAUTH_INVALID,
    )


def custom_message(openid: str, msgtype: str, content: Mapping[str, Any]) -> APICall[None]:
    """``POST cgi-bin/message/custom/send`` (api_sendcustommessage).

    Never sent twice: after a timeout or a dropped connection WeChat may have delivered it.
    """
    return APICall(
        "POST",
        "/cgi-bin/message/custom/send",
        lambda body: None,
        body={"touser": openid, "msgtype": msgtype, msgtype: dict(content)},
        idempotent=False,
        needs_app_token=True,
    )
