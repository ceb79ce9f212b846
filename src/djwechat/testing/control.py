"""A Python client of the simulator's control API (``/_sim/…``), for tests and tooling."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import TracebackType
from typing import TYPE_CHECKING, Any, Literal

import httpx

from djwechat.simulator.identity import openid_for, unionid_for

if TYPE_CHECKING:
    from djwechat.conf import AppSettings

__all__ = ["EncryptedData", "SimUser", "SimulatorControl", "SimulatorControlError"]


class SimulatorControlError(Exception):
    """The control API refused a request (``status`` 4xx, ``code``, ``message``)."""

    def __init__(self, status: int, code: str, message: str) -> None:
        self.status = status
        self.code = code
        self.message = message
        super().__init__(f"{status} {code}: {message}")


@dataclass(frozen=True)
class SimUser:
    """A fake WeChat user of the simulator.

    ``openid(app_id)`` is the user's openid in an app (also for apps registered later: openids
    are derived from the app id and user id); ``unionid`` is the unionid under the default Open
    Platform account, ``unionid_for(account)`` under another one.
    """

    id: str
    nickname: str
    phone_number: str
    country_code: str
    unionid: str
    headimgurl: str = ""
    sex: int = 0
    raw: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    def openid(self, app_id: str) -> str:
        """The user's openid in the app ``app_id``."""
        return openid_for(app_id, self.id)

    def unionid_for(self, open_account: str) -> str:
        """The user's unionid in apps bound to Open Platform account ``open_account``."""
        return unionid_for(open_account, self.id)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> SimUser:
        """Build from the control API's user object."""
        return cls(
            id=data["id"],
            nickname=data["nickname"],
            phone_number=data["phone_number"],
            country_code=data["country_code"],
            unionid=data["unionid"],
            headimgurl=data.get("headimgurl", ""),
            sex=data.get("sex", 0),
            raw=data,
        )


@dataclass(frozen=True)
class EncryptedData:
    """Open data of a mini program user, as the WeChat app hands it to the front end.

    ``encrypted_data`` and ``iv`` are ``encryptedData`` / ``iv``; ``raw_data`` and ``signature``
    are ``rawData`` / ``signature`` (user info only, ``None`` for a phone number); ``data`` is
    the JSON object that was encrypted (with its ``watermark``).
    """

    kind: str
    encrypted_data: str
    iv: str
    raw_data: str | None
    signature: str | None
    data: dict[str, Any] = field(default_factory=dict, compare=False)

    def fields(self) -> dict[str, str]:
        """The request fields a front end sends: ``encrypted_data``, ``iv`` and, when present,
        ``raw_data`` and ``signature``."""
        values = {
            "encrypted_data": self.encrypted_data,
            "iv": self.iv,
            "raw_data": self.raw_data,
            "signature": self.signature,
        }
        return {key: value for key, value in values.items() if value is not None}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> EncryptedData:
        """Build from the answer of ``POST /_sim/encrypted_data``."""
        return cls(
            kind=data["kind"],
            encrypted_data=data["encrypted_data"],
            iv=data["iv"],
            raw_data=data["raw_data"],
            signature=data["signature"],
            data=data["data"],
        )


class SimulatorControl:
    """Drives a simulator through its control API.

    ``SimulatorControl("http://127.0.0.1:8900")`` talks HTTP to a running simulator;
    :meth:`in_process` talks to the process-wide simulator state through the in-process transport.
    Every method raises :class:`SimulatorControlError` when the simulator answers 4xx.
    """

    def __init__(
        self, base_url: str, *, transport: httpx.BaseTransport | None = None, timeout: float = 10.0
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self._http = httpx.Client(base_url=self.base_url, transport=transport, timeout=timeout)

    @classmethod
    def in_process(cls) -> SimulatorControl:
        """A control client over :class:`djwechat.simulator.transport.SimulatorTransport`."""
        from djwechat.simulator.transport import SimulatorTransport

        return cls("http://simulator.invalid", transport=SimulatorTransport())

    # ------------------------------------------------------------------ plumbing

    def _request(self, method: str, path: str, **kwargs: Any) -> Any:
        response = self._http.request(method, path, **kwargs)
        try:
            data = response.json()
        except ValueError:
            data = None
        if response.status_code >= 400:
            error = (data or {}).get("error", {}) if isinstance(data, dict) else {}
            raise SimulatorControlError(
                response.status_code,
                str(error.get("code", "error")),
                str(error.get("message", response.text)),
            )
        return data

    def close(self) -> None:
        """Close the HTTP connection pool."""
        self._http.close()

    def __enter__(self) -> SimulatorControl:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    # ------------------------------------------------------------------ apps and users

    def register_app(
        self,
        app_id: str,
        app_secret: str,
        *,
        type: Literal["miniprogram", "website", "official_account"] = "miniprogram",
        **extra: Any,
    ) -> dict[str, Any]:
        """Register (or update) an app. ``extra``: ``name``, ``open_account`` (``None`` = no
        unionid), ``token``, ``encoding_aes_key``, ``message_url``, ``original_id``,
        ``rate_limit`` (calls per minute before 45011), ``redirect_domains``."""
        body = {"type": type, "app_id": app_id, "app_secret": app_secret, **extra}
        return dict(self._request("POST", "/_sim/apps", json=body)["app"])

    def register_settings_app(self, app: AppSettings, **extra: Any) -> dict[str, Any]:
        """Register an app configured in ``settings.WECHAT`` (with its Token and AES key)."""
        fields: dict[str, Any] = {"name": app.alias}
        if app.token:
            fields["token"] = app.token
        if app.encoding_aes_key:
            fields["encoding_aes_key"] = app.encoding_aes_key
        return self.register_app(app.app_id, app.app_secret, type=app.type, **{**fields, **extra})

    def apps(self) -> list[dict[str, Any]]:
        """Every registered app (without secrets)."""
        return list(self._request("GET", "/_sim/apps")["apps"])

    def create_user(self, id: str | None = None, *, nickname: str | None = None, **extra: Any) -> SimUser:
        """Create (or update) a fake user. ``extra``: ``headimgurl``, ``sex`` (0/1/2),
        ``phone_number`` (without country code), ``country_code`` (default ``"86"``)."""
        body: dict[str, Any] = {key: value for key, value in extra.items() if value is not None}
        if id is not None:
            body["id"] = id
        if nickname is not None:
            body["nickname"] = nickname
        return SimUser.from_json(self._request("POST", "/_sim/users", json=body)["user"])

    def user(self, user_id: str) -> SimUser:
        """A fake user by id."""
        return SimUser.from_json(self._request("GET", f"/_sim/users/{user_id}")["user"])

    # ------------------------------------------------------------------ codes and authorizations

    def mint_code(
        self,
        app_id: str,
        user_id: str,
        kind: Literal["login", "phone", "oauth"] = "login",
        *,
        scope: str | None = None,
    ) -> str:
        """A fresh code: ``login`` (what ``wx.login`` returns; also rotates the session_key),
        ``phone`` (the phone-number button), ``oauth`` (website / Official Account OAuth code)."""
        body: dict[str, Any] = {"app_id": app_id, "user_id": user_id, "kind": kind}
        if scope:
            body["scope"] = scope
        return str(self._request("POST", "/_sim/codes", json=body)["code"])

    def encrypted_data(
        self,
        app_id: str,
        user_id: str,
        kind: Literal["user_info", "phone_number"] = "user_info",
        *,
        data: Mapping[str, Any] | None = None,
        watermark: Mapping[str, Any] | None = None,
        raw_data: str | None = None,
    ) -> EncryptedData:
        """What ``wx.getUserInfo`` (``user_info``) or the legacy phone-number button
        (``phone_number``) hands the front end: the user's data encrypted with their *current*
        session_key for the app (the one of the latest ``login`` code), watermarked with the
        app id and the simulator's clock.

        ``data`` changes fields of the payload built from the fake user's profile (``None``
        removes one), ``watermark`` changes ``appid`` / ``timestamp``, and ``raw_data`` (user
        info only) is signed instead of the profile's JSON: ways to make data for another user,
        another app, long ago, or with odd ``rawData``.  Raises :class:`SimulatorControlError`
        404 for an unknown app or user and 409 ``not_logged_in`` before the user's first
        ``login`` code in the app.
        """
        body: dict[str, Any] = {"app_id": app_id, "user_id": user_id, "kind": kind}
        if data is not None:
            body["data"] = dict(data)
        if watermark is not None:
            body["watermark"] = dict(watermark)
        if raw_data is not None:
            body["raw_data"] = raw_data
        return EncryptedData.from_json(self._request("POST", "/_sim/encrypted_data", json=body))

    def authorize(
        self, state: str, user_id: str | None, approve: bool = True, *, snapshot: bool = False
    ) -> dict[str, Any]:
        """Decide the pending browser login with OAuth ``state`` (a QR page or consent page that
        was opened). Returns ``{status, redirect, code?, …}``; ``redirect`` is where WeChat sends
        the browser (``redirect_uri?code=…&state=…``, or without ``code`` when refused).
        ``snapshot`` plays an Official Account page opened from a Moments snapshot: the code's
        token names a stand-in openid with ``is_snapshotuser: 1``."""
        body = {"user_id": user_id, "approve": approve, "snapshot": snapshot}
        return dict(self._request("POST", f"/_sim/authorizations/{state}", json=body))

    def authorizations(self) -> list[dict[str, Any]]:
        """Every browser login started so far."""
        return list(self._request("GET", "/_sim/authorizations")["authorizations"])

    # ------------------------------------------------------------------ faults, log, clock

    def add_fault(
        self,
        path: str,
        *,
        errcode: int | None = None,
        errmsg: str | None = None,
        latency: float | None = None,
        timeout: bool = False,
        drop: bool = False,
        body: str | None = None,
        status: int | None = None,
        content_type: str | None = None,
        times: int = 1,
    ) -> dict[str, Any]:
        """Make the next ``times`` calls of ``path`` (e.g. ``"/sns/jscode2session"``) answer
        ``errcode``, wait ``latency`` seconds, hang (``timeout``), drop the connection or answer
        ``body`` verbatim (an HTML error page, broken JSON) with ``status`` and ``content_type``."""
        request: dict[str, Any] = {"path": path, "times": times, "timeout": timeout, "drop": drop}
        extra = {"body": body, "status": status, "content_type": content_type}
        request.update({key: value for key, value in extra.items() if value is not None})
        if errcode is not None:
            request["errcode"] = errcode
        if errmsg is not None:
            request["errmsg"] = errmsg
        if latency is not None:
            request["latency"] = latency
        return dict(self._request("POST", "/_sim/faults", json=request)["fault"])

    def clear_faults(self, path: str | None = None) -> int:
        """Remove every fault (of ``path``); returns how many."""
        params = {"path": path} if path else None
        return int(self._request("DELETE", "/_sim/faults", params=params)["removed"])

    def calls(self, path: str | None = None) -> list[dict[str, Any]]:
        """The call log, oldest first, secrets masked (``***``): ``method``, ``path``, ``query``,
        ``body``, ``status``, ``errcode``, ``response``, ``fault``."""
        params = {"path": path} if path else None
        return list(self._request("GET", "/_sim/calls", params=params)["calls"])

    def clear_calls(self) -> None:
        """Empty the call log."""
        self._request("DELETE", "/_sim/calls")

    def messages(self, user_id: str | None = None, app_id: str | None = None) -> list[dict[str, Any]]:
        """Customer-service messages sent (``msgtype``, ``payload``, ``user_id``, ``openid``…)."""
        params = {k: v for k, v in (("user_id", user_id), ("app_id", app_id)) if v}
        return list(self._request("GET", "/_sim/messages", params=params)["messages"])

    def advance(self, seconds: float) -> float:
        """Move the simulator's clock forward (codes and tokens expire); returns its new time."""
        return float(self._request("POST", "/_sim/clock", json={"advance": seconds})["now"])

    def now(self) -> float:
        """The simulator's current time."""
        return float(self._request("GET", "/_sim/clock")["now"])

    def reset(self) -> None:
        """Forget every app, user, code, token, fault and call; back to real time."""
        self._request("POST", "/_sim/reset", json={})
