"""Mini Program (小程序) login and phone number, as plain functions.

Login (miniprogram/dev/OpenApiDoc/user-login/code2Session): the front end calls ``wx.login``
and sends the code; the server exchanges it for the user's ``openid``, ``unionid`` and
``session_key``.  The ``session_key`` is the key of the user's encrypted open data; it is kept
in the server-side JWT session only (:data:`SESSION_KEY`) and never appears in an answer, a log
line or an exception message.

Encrypted user data (miniprogram/dev/framework/open-ability/signature.html): ``rawData`` is
signed with ``sha1(rawData + session_key)``; ``encryptedData`` is AES-128-CBC under the
session_key and carries a ``watermark`` with our AppID and the time it was made.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

from django.contrib.auth import get_user_model
from django.utils.translation import gettext
from django.views.decorators.debug import sensitive_variables

from djwechat._internal.datacrypt import decrypt_data
from djwechat._internal.signing import verify_rawdata_signature
from djwechat._internal.throttling import throttle, throttle_login, throttle_user
from djwechat.accounts.models import Identity
from djwechat.client import PhoneInfo, get_client
from djwechat.conf import AppSettings, get_settings
from djwechat.exceptions import (
    APIError,
    AppIdMismatchError,
    AuthError,
    BadRequestError,
    CryptoError,
    IdentityRequiredError,
    InvalidCodeError,
    InvalidSignatureError,
    SessionKeyError,
    StaleDataError,
    UpstreamError,
)
from djwechat.login.flows import inputs
from djwechat.login.flows.common import SESSION_APP_ID, SESSION_OPENID, LoginResult, complete_login
from djwechat.login.pipeline import LoginContext
from djwechat.login.pipeline.users import has_field
from djwechat.login.providers import MiniProgramProvider

#: errcode "invalid openid": getuserphonenumber's answer when the code belongs to another user.
_INVALID_OPENID: Final = 40003

#: A phone number as WeChat gives it: digits, a "+" before a country code outside mainland
#: China, maybe spaces or dashes; at most 32 characters (the profile mixin's column).
_PHONE_RE: Final = re.compile(r"\+?[0-9][0-9 \-]{3,30}")
_PURE_PHONE_RE: Final = re.compile(r"[0-9]{4,20}")
_COUNTRY_CODE_RE: Final = re.compile(r"[0-9]{1,4}")

#: Server-side session key of the Mini Program ``session_key`` (beside
#: :data:`~djwechat.login.flows.common.SESSION_APP_ID` and ``SESSION_OPENID``).
SESSION_KEY: Final = "wechat_session_key"


@dataclass(frozen=True, slots=True)
class PhoneNumber:
    """A verified phone number, as answered by the phone endpoint."""

    phone_number: str
    pure_phone_number: str
    country_code: str

    def as_dict(self) -> dict[str, str]:
        """``{"phone_number", "pure_phone_number", "country_code"}``."""
        return {
            "phone_number": self.phone_number,
            "pure_phone_number": self.pure_phone_number,
            "country_code": self.country_code,
        }


@sensitive_variables()
def miniprogram_login(
    request: Any,
    alias: str,
    *,
    code: Any,
    encrypted_data: Any = None,
    iv: Any = None,
    raw_data: Any = None,
    signature: Any = None,
) -> LoginResult:
    """Log a Mini Program user in with a ``wx.login`` code; returns the token pair and context.

    ``encrypted_data`` + ``iv`` (``wx.getUserProfile`` / ``getUserInfo`` with credentials) and
    ``raw_data`` + ``signature`` are optional; when sent they are checked with the code's
    session_key and their profile fills ``ctx.response`` for the pipeline.

    Raises :class:`~djwechat.exceptions.BadRequestError` for malformed input (before the code is
    spent), :class:`~djwechat.exceptions.ThrottledError`, the client's errors for the code
    (``InvalidCodeError``, ``CodeUsedError``, ``RateLimitedError``, ``UpstreamError`` …),
    :class:`~djwechat.exceptions.SessionKeyError` when the encrypted data does not open or the
    signature does not match with this code's session_key, ``AppIdMismatchError`` /
    ``StaleDataError`` for data made for another app or too long ago, and whatever the pipeline
    raises.
    """
    app = get_settings().app(alias, type="miniprogram")
    js_code = inputs.code(code)
    user_data = _user_data_inputs(encrypted_data, iv, raw_data, signature)
    throttle_login(request, None)
    session = get_client(alias).code_to_session(js_code)
    throttle("login-account", f"{app.app_id}:{session.openid}", get_settings().login.account_throttle_rate)
    # Not session.raw: it holds the session_key, and the context must never see it.
    response: dict[str, Any] = {}
    unionid = session.unionid
    if user_data is not None:
        data = open_user_data(app, session.session_key, **user_data)
        if data.get("openId") not in (None, session.openid):
            raise SessionKeyError(
                gettext("The encrypted data belongs to another user; call wx.login and log in again.")
            )
        unionid = unionid or (data.get("unionId") if isinstance(data.get("unionId"), str) else None)
        response.update({key: value for key, value in data.items() if key != "watermark"})
    ctx = LoginContext(
        request=request,
        app=app,
        provider=MiniProgramProvider,
        openid=session.openid,
        unionid=unionid,
        response=response,
    )
    session_data = {
        SESSION_KEY: session.session_key,
        SESSION_APP_ID: app.app_id,
        SESSION_OPENID: session.openid,
    }
    return complete_login(request, ctx, session_data=session_data)


def _user_data_inputs(encrypted_data: Any, iv: Any, raw_data: Any, signature: Any) -> dict[str, Any] | None:
    if (
        encrypted_data in (None, "")
        and iv in (None, "")
        and raw_data in (None, "")
        and signature in (None, "")
    ):
        return None
    values: dict[str, Any] = {"encrypted_data": None, "iv": None, "raw_data": None, "signature": None}
    if encrypted_data not in (None, "") or iv not in (None, ""):
        values["encrypted_data"] = inputs.encrypted_data(encrypted_data)
        values["iv"] = inputs.iv(iv)
    if raw_data not in (None, "") or signature not in (None, ""):
        values["raw_data"] = inputs.optional_str(raw_data, "raw_data", max_length=inputs.MAX_RAW_DATA)
        if values["raw_data"] is None:
            raise BadRequestError(gettext("'raw_data' is required with signature."))
        values["signature"] = inputs.sha1_hex(signature)
    return values


@sensitive_variables()
def open_user_data(
    app: AppSettings,
    session_key: str,
    *,
    encrypted_data: str | None,
    iv: str | None,
    raw_data: str | None,
    signature: str | None,
) -> dict[str, Any]:
    """Check ``raw_data`` against ``signature`` and decrypt ``encrypted_data``; return the user data.

    The decrypted object wins over ``raw_data`` (it is the one with a watermark).  Data that
    does not open, or a signature that does not match, means the front end used another
    session_key than this login's - it called ``wx.login`` again in between - so the answer
    is :class:`SessionKeyError`, whose message tells the client to log in again.
    """
    data: dict[str, Any] = {}
    if raw_data is not None and signature is not None:
        try:
            verify_rawdata_signature(signature, raw_data, session_key)
        except InvalidSignatureError:
            raise SessionKeyError() from None
        try:
            parsed = json.loads(raw_data)
        except ValueError:
            raise BadRequestError(gettext("'raw_data' is not JSON.")) from None
        if not isinstance(parsed, dict):
            raise BadRequestError(gettext("'raw_data' is not a JSON object."))
        data.update(parsed)
    if encrypted_data is not None and iv is not None:
        data.update(_decrypt(app, session_key, encrypted_data, iv))
    return data


@sensitive_variables()
def _decrypt(app: AppSettings, session_key: str, encrypted_data: str, iv: str) -> dict[str, Any]:
    try:
        return decrypt_data(
            encrypted_data,
            session_key=session_key,
            iv=iv,
            app_id=app.app_id,
            max_age=get_settings().login.watermark_max_age,
        )
    except (AppIdMismatchError, StaleDataError):
        raise  # data made for another app, or too long ago: not a question of the key
    except CryptoError:
        raise SessionKeyError() from None


# --------------------------------------------------------------------------- phone number


@sensitive_variables()
def miniprogram_phone_number(
    request: Any, alias: str, *, code: Any = None, encrypted_data: Any = None, iv: Any = None
) -> PhoneNumber:
    """The phone number of the logged-in user (``request.jwt_user``), saved on the user.

    Either ``code`` from ``<button open-type="getPhoneNumber">`` (the current API,
    ``wxa/business/getuserphonenumber``), or the legacy ``encrypted_data`` + ``iv``, opened with
    the session_key that the user's Mini Program login stored in ``request.jwt_session``.
    The number is saved on the caller's identity in this app (``Identity.phone_number``,
    whatever the user model) and in the user's ``phone_number`` field when the model has one.

    Raises :class:`~djwechat.exceptions.AuthError` without a logged-in user,
    :class:`~djwechat.exceptions.ThrottledError` over ``LOGIN.THROTTLE_RATE`` requests of the
    user (:func:`~djwechat._internal.throttling.throttle_user`),
    :class:`~djwechat.exceptions.BadRequestError` for malformed input,
    :class:`~djwechat.exceptions.SessionKeyError` when the session has no session_key of this
    app (it was not started by a Mini Program login) or the data does not open with it,
    :class:`~djwechat.exceptions.IdentityRequiredError` for a code from a user with no identity
    in this app (refused before the code is spent: without an openid WeChat would not check
    whose code it is), :class:`~djwechat.exceptions.InvalidCodeError` for a code issued to
    another user, the
    client's errors for the code, and :class:`~djwechat.exceptions.UpstreamError` when WeChat
    answers the code with something that is not a phone number (decrypted data that holds none
    is a ``BadRequestError``).
    """
    app = get_settings().app(alias, type="miniprogram")
    user = getattr(request, "jwt_user", None)
    if user is None:
        raise AuthError()
    throttle_user(user, "miniprogram-phone")
    session = getattr(request, "jwt_session", None) or {}
    if code not in (None, ""):
        phone_code = inputs.code(code)
        openid = _openid(session, app, user)
        if openid is None:
            raise IdentityRequiredError(
                gettext(
                    "Log in with this Mini Program first: a phone code is only accepted from its WeChat user."
                )
            )
        try:
            info = get_client(alias).get_phone_number(phone_code, openid=openid)
        except APIError as exc:
            if exc.errcode != _INVALID_OPENID:
                raise
            # WeChat checked the code against the caller's openid: it was issued to someone else.
            raise InvalidCodeError(
                gettext("The phone code was not issued to this user."), errcode=exc.errcode
            ) from None
        if not _is_phone_number(info):
            raise UpstreamError(gettext("WeChat answered getuserphonenumber without a usable phone number."))
    elif encrypted_data not in (None, "") or iv not in (None, ""):
        data_text, iv_text = inputs.encrypted_data(encrypted_data), inputs.iv(iv)
        session_key = session.get(SESSION_KEY) if session.get(SESSION_APP_ID) == app.app_id else None
        if not isinstance(session_key, str):
            raise SessionKeyError(
                gettext("This session has no Mini Program session_key; call wx.login and log in again.")
            )
        data = _decrypt(app, session_key, data_text, iv_text)
        try:
            info = PhoneInfo.from_json(data, api="getPhoneNumber encryptedData")
        except UpstreamError:
            raise BadRequestError(gettext("The encrypted data holds no phone number.")) from None
        if not _is_phone_number(info):
            raise BadRequestError(gettext("The encrypted data holds no phone number."))
    else:
        raise BadRequestError(gettext("Send 'code', or 'encrypted_data' and 'iv'."))
    number = PhoneNumber(info.phone_number, info.pure_phone_number, info.country_code)
    _save_phone_number(user, app, session, number)
    return number


def _is_phone_number(info: PhoneInfo) -> bool:
    """Whether ``info`` looks like a phone number - and fits the ``phone_number`` column.

    The values are WeChat's, but the legacy ones travel through the front end and nothing
    else checks them before they are stored (PostgreSQL refuses NUL and over-long text).
    """
    return bool(
        _PHONE_RE.fullmatch(info.phone_number)
        and _PURE_PHONE_RE.fullmatch(info.pure_phone_number)
        and (not info.country_code or _COUNTRY_CODE_RE.fullmatch(info.country_code))
    )


def _openid(session: Mapping[str, Any], app: AppSettings, user: Any) -> str | None:
    """The user's openid in ``app``: from the session when a Mini Program login started it."""
    if session.get(SESSION_APP_ID) == app.app_id and isinstance(session.get(SESSION_OPENID), str):
        openid: str = session[SESSION_OPENID]
        return openid
    return (
        Identity.objects.filter(user_id=user.pk, app_id=app.app_id).values_list("openid", flat=True).first()
    )


def _save_phone_number(user: Any, app: AppSettings, session: Mapping[str, Any], number: PhoneNumber) -> None:
    identities = Identity.objects.filter(user_id=user.pk, app_id=app.app_id)
    openid = session.get(SESSION_OPENID) if session.get(SESSION_APP_ID) == app.app_id else None
    if isinstance(openid, str):
        identities = identities.filter(openid=openid)
    identities.update(phone_number=number.phone_number)
    user_model = get_user_model()
    if has_field(user_model, "phone_number"):
        # An UPDATE by primary key: request.jwt_user may be a lazy proxy, not a model instance.
        user_model._default_manager.filter(pk=user.pk).update(phone_number=number.phone_number)
