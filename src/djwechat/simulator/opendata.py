"""Mini Program open data: the ``encryptedData`` the WeChat app hands a mini program's front end.

``wx.getUserInfo`` (with credentials) and the legacy phone-number button give the front end
``encryptedData`` and ``iv``: the user's data as JSON, AES-128-CBC encrypted with the user's
*current* session_key for the mini program, with a ``watermark`` ``{appid, timestamp}``
(miniprogram/dev/framework/open-ability/signature.html).  User info also comes as ``rawData``
(the profile as JSON text) with ``signature = sha1(rawData + session_key)``; phone data is not
signed.  Only the WeChat app and the developer's server know the session_key, so a test that
plays the front end asks the simulator for this data instead of encrypting it itself:

``POST /_sim/encrypted_data`` ``{app_id, user_id, kind: "user_info" | "phone_number",
data?, watermark?, raw_data?}`` → ``{kind, app_id, user_id, encrypted_data, iv, raw_data,
signature, data}``

The session_key itself never leaves the simulator through this endpoint.
"""

from __future__ import annotations

import base64
import json
import os
from typing import Any, Final, Literal, get_args

from djwechat._internal.datacrypt import encrypt_data
from djwechat._internal.signing import rawdata_signature
from djwechat.simulator.errors import ControlError
from djwechat.simulator.http import Request
from djwechat.simulator.identity import openid_for
from djwechat.simulator.records import SimApp, SimUser
from djwechat.simulator.routing import Route, route
from djwechat.simulator.state import SimulatorState
from djwechat.simulator.validation import json_body, mapping_field, not_found, str_field

__all__ = ["OPEN_DATA_KINDS", "OPEN_DATA_ROUTES", "OpenDataKind", "phone_number_data", "user_info_data"]

OpenDataKind = Literal["user_info", "phone_number"]
OPEN_DATA_KINDS: Final[tuple[str, ...]] = get_args(OpenDataKind)
#: Fields of the user info that are not part of ``rawData`` (the ids and the watermark are only
#: ever sent encrypted).
_NOT_RAW: Final = frozenset({"openId", "unionId", "watermark"})
#: Deepest nesting accepted in ``data`` (WeChat's payloads are flat; this keeps encoding the
#: answer far from Python's recursion limit).
MAX_DEPTH: Final = 16


def _depth(value: Any) -> int:
    """How deeply ``value`` nests lists and objects (a scalar is 0), stopping past :data:`MAX_DEPTH`."""
    depth = 0
    level = [value]
    while level and depth <= MAX_DEPTH:
        children: list[Any] = []
        for item in level:
            if isinstance(item, dict):
                children.extend(item.values())
            elif isinstance(item, list):
                children.extend(item)
        if not children and not any(isinstance(item, dict | list) for item in level):
            break
        depth += 1
        level = children
    return depth


def user_info_data(state: SimulatorState, app: SimApp, user: SimUser) -> dict[str, Any]:
    """What ``wx.getUserInfo`` encrypts for ``user`` in ``app`` (without the watermark).

    The fields and their order are those of the official ``WXBizDataCrypt`` demo; ``unionId``
    is only there when the app is bound to an Open Platform account.
    """
    data: dict[str, Any] = {
        "openId": openid_for(app.app_id, user.id),
        "nickName": user.nickname,
        "gender": user.sex,
        "language": "zh_CN",
        "city": "",
        "province": "",
        "country": "",
        "avatarUrl": user.headimgurl,
    }
    unionid = state.unionid(app, user.id)
    if unionid:
        data["unionId"] = unionid
    return data


def phone_number_data(user: SimUser) -> dict[str, Any]:
    """What the legacy phone-number button encrypts (without the watermark).

    Unlike ``getuserphonenumber``'s ``phone_info``, the legacy payload carries ``countryCode``
    as a string; ``phoneNumber`` has the ``+<country>`` prefix outside mainland China.
    """
    pure = user.phone_number
    country = user.country_code
    return {
        "phoneNumber": pure if country == "86" else f"+{country}{pure}",
        "purePhoneNumber": pure,
        "countryCode": country,
    }


def _merge(base: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
    """``base`` with ``changes`` applied; a ``None`` change removes the field."""
    merged = dict(base)
    for key, value in changes.items():
        if value is None:
            merged.pop(key, None)
        else:
            merged[key] = value
    return merged


def encrypted_data(state: SimulatorState, request: Request) -> dict[str, Any]:
    """``POST /_sim/encrypted_data`` ``{app_id, user_id, kind, data?, watermark?, raw_data?}``.

    ``kind`` is ``user_info`` (default) or ``phone_number``.  The payload is built from the
    fake user's profile; ``data`` changes its fields (``null`` removes one) and ``watermark``
    changes ``{appid, timestamp}`` (the timestamp is the simulator's clock), so that tests can
    produce data for another user, another app or long ago.  ``raw_data`` (user info only) is
    signed instead of the profile's JSON.  404 for an unknown app or user, 400 for an app that
    is not a mini program, 409 ``not_logged_in`` when the user has no session_key in the app
    yet (no ``wx.login`` code was minted).
    """
    body = json_body(request)
    kind = str_field(body, "kind", default="user_info")
    if kind not in OPEN_DATA_KINDS:
        raise ControlError(f"kind must be one of {', '.join(OPEN_DATA_KINDS)}")
    changes = mapping_field(body, "data")
    if _depth(changes) > MAX_DEPTH:
        raise ControlError(f"data must not nest more than {MAX_DEPTH} levels")
    if "watermark" in changes:
        raise ControlError("change the watermark with the watermark field, not inside data")
    watermark_changes = mapping_field(body, "watermark")
    raw_override = body.get("raw_data")
    if raw_override is not None:
        if kind != "user_info":
            raise ControlError("raw_data only exists for user_info: WeChat does not sign phone data")
        raw_override = str_field(body, "raw_data")
    app_id = str_field(body, "app_id", required=True)
    user_id = str_field(body, "user_id", required=True)
    with state.lock:
        app = state.app(app_id)
        if app is None:
            raise not_found("app")
        if app.type != "miniprogram":
            raise ControlError(f"encrypted data belongs to mini programs; {app.app_id} is a {app.type}")
        user = state.users.get(user_id)
        if user is None:
            raise not_found("user")
        session_key = user.session_keys.get(app.app_id)
        if session_key is None:
            raise ControlError(
                f"user {user.id} has no session_key in {app.app_id}: mint a login code first (wx.login)",
                status=409,
                code="not_logged_in",
            )
        base = user_info_data(state, app, user) if kind == "user_info" else phone_number_data(user)
        watermark = _merge({"appid": app.app_id, "timestamp": int(state.now())}, watermark_changes)
    payload = {**_merge(base, changes), "watermark": watermark}
    # A fresh random iv per call, as WeChat's.
    iv = base64.b64encode(os.urandom(16)).decode("ascii")
    raw_data: str | None = None
    signature: str | None = None
    if kind == "user_info":
        raw_data = raw_override or json.dumps(
            {key: value for key, value in payload.items() if key not in _NOT_RAW},
            ensure_ascii=False,
            separators=(",", ":"),
        )
        signature = rawdata_signature(raw_data, session_key)
    return {
        "kind": kind,
        "app_id": app.app_id,
        "user_id": user.id,
        "encrypted_data": encrypt_data(payload, session_key=session_key, iv=iv),
        "iv": iv,
        "raw_data": raw_data,
        "signature": signature,
        "data": payload,
    }


OPEN_DATA_ROUTES: Final[list[Route]] = [
    route("/_sim/encrypted_data", encrypted_data, "control", ("POST",)),
]
