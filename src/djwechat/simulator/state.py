"""The simulator's in-memory world: apps, users, codes, tokens, authorizations, faults, the call log.

One :class:`SimulatorState` is shared by every request of a simulator (and by the HTTP server and
the in-process transport when both use :func:`default_state`).  Every read-modify-write happens
under ``state.lock``, an ``RLock``: handlers take it once around their whole operation so that,
for example, a code can never be exchanged twice by two concurrent requests.
"""

from __future__ import annotations

import itertools
import threading
from collections import deque
from collections.abc import Iterable
from typing import Any, Final

from djwechat.simulator.clock import SimClock
from djwechat.simulator.errors import SimError
from djwechat.simulator.identity import new_code, new_session_key, openid_for, unionid_for
from djwechat.simulator.records import (
    AccessToken,
    Authorization,
    Call,
    Code,
    CodeKind,
    CustomMessage,
    Fault,
    OAuthGrant,
    SimApp,
    SimUser,
)

__all__ = ["CODE_LIFETIMES", "SimulatorState", "default_state"]

#: Seconds a code can be exchanged. js_code: wx.login doc ("有效期五分钟"); phone code:
#: getPhoneNumber doc (5 minutes); OAuth code: 5 minutes for Official Account H5 OAuth
#: (doc/offiaccount/OA_Web_Apps/Wechat_webpage_authorization.html), 10 minutes for website login
#: (doc/oplatform/Website_App/WeChat_Login/Wechat_Login.html).
CODE_LIFETIMES: Final = {"login": 300, "phone": 300, "oauth_official_account": 300, "oauth_website": 600}
#: Seconds a QR code / consent page waits for the user before it expires.
AUTHORIZATION_LIFETIME: Final = 300
#: Calls kept in the log.
CALL_LOG_SIZE: Final = 1000


class SimulatorState:
    """Thread-safe state of one fake WeChat; see the module docstring for the locking rule."""

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.clock = SimClock()
        self._ids = itertools.count(1)
        self._release = threading.Event()
        self._clear()

    def _clear(self) -> None:
        self.apps: dict[str, SimApp] = {}
        self.users: dict[str, SimUser] = {}
        self.openids: dict[str, tuple[str, str]] = {}
        self.codes: dict[str, Code] = {}
        self.tokens: dict[str, AccessToken] = {}
        self.current_tokens: dict[tuple[str, str], AccessToken] = {}
        self.force_refreshes: dict[str, list[float]] = {}
        self.grants: dict[str, OAuthGrant] = {}
        self.refresh_grants: dict[str, OAuthGrant] = {}
        self.authorizations: dict[str, Authorization] = {}
        self.faults: list[Fault] = []
        self.calls: deque[Call] = deque(maxlen=CALL_LOG_SIZE)
        self.messages: list[CustomMessage] = []
        self.minute_counts: dict[tuple[str, int], int] = {}

    def next_id(self) -> int:
        """A number unique within this state (faults, calls, messages)."""
        return next(self._ids)

    def now(self) -> float:
        """The simulated time."""
        return self.clock.now()

    # ------------------------------------------------------------------ lifecycle

    def reset(self) -> None:
        """Forget everything (apps, users, codes, tokens, faults, calls) and go back to real time.

        Requests hanging on a ``timeout`` fault are released.
        """
        with self.lock:
            self._clear()
            self.clock.reset()
            self.release_hangs()

    def release_hangs(self) -> None:
        """Wake every request held by a ``timeout`` fault (they then drop their connection)."""
        with self.lock:
            self._release.set()
            self._release = threading.Event()

    def hang(self, seconds: float) -> None:
        """Block the calling request thread up to ``seconds`` or until released."""
        with self.lock:
            event = self._release
        event.wait(seconds)

    # ------------------------------------------------------------------ apps and users

    def register_app(self, app: SimApp) -> SimApp:
        """Add ``app`` or replace the app with the same app id (tokens and codes survive)."""
        with self.lock:
            self.apps[app.app_id] = app
            for user in self.users.values():
                self.openids[openid_for(app.app_id, user.id)] = (app.app_id, user.id)
            return app

    def app(self, app_id: str) -> SimApp | None:
        """The app with ``app_id``, if registered."""
        with self.lock:
            return self.apps.get(app_id)

    def add_user(self, user: SimUser) -> SimUser:
        """Add (or replace) a fake user; indexes its openid in every registered app."""
        with self.lock:
            self.users[user.id] = user
            for app_id in self.apps:
                self.openids[openid_for(app_id, user.id)] = (app_id, user.id)
            return user

    def new_user_id(self) -> str:
        """A free user id (``u1``, ``u2``, …)."""
        with self.lock:
            for n in itertools.count(len(self.users) + 1):
                candidate = f"u{n}"
                if candidate not in self.users:
                    return candidate
        raise AssertionError("unreachable")  # pragma: no cover

    def user_by_openid(self, app_id: str, openid: str) -> SimUser | None:
        """The user behind ``openid`` in app ``app_id``."""
        with self.lock:
            owner = self.openids.get(openid)
            if owner is None or owner[0] != app_id:
                return None
            return self.users.get(owner[1])

    def user_view(self, user: SimUser) -> dict[str, Any]:
        """JSON description of a user: profile, openid per app, unionid per Open Platform account."""
        with self.lock:
            accounts = sorted({a.open_account for a in self.apps.values() if a.open_account} | {"default"})
            return {
                "id": user.id,
                "nickname": user.nickname,
                "headimgurl": user.headimgurl,
                "sex": user.sex,
                "phone_number": user.phone_number,
                "country_code": user.country_code,
                "openids": {app_id: openid_for(app_id, user.id) for app_id in self.apps},
                "unionid": unionid_for("default", user.id),
                "unionids": {account: unionid_for(account, user.id) for account in accounts},
            }

    @staticmethod
    def unionid(app: SimApp, user_id: str) -> str | None:
        """The user's unionid as seen by ``app`` (``None`` when the app has no Open Platform account)."""
        return unionid_for(app.open_account, user_id) if app.open_account else None

    # ------------------------------------------------------------------ codes

    def mint_code(
        self, app: SimApp, user: SimUser, kind: CodeKind, *, scope: str = "", snapshot: bool = False
    ) -> Code:
        """A fresh code for ``user`` in ``app``.

        A login code (``wx.login``) also rotates the user's session_key for the app: the
        previous key stops being current, as after a real ``wx.login``.  ``snapshot`` marks an
        Official Account code of a Moments snapshot visit.
        """
        with self.lock:
            now = self.now()
            if kind == "oauth":
                lifetime = CODE_LIFETIMES[
                    "oauth_website" if app.type == "website" else "oauth_official_account"
                ]
            else:
                lifetime = CODE_LIFETIMES[kind]
            code = Code(
                code=new_code(),
                kind=kind,
                app_id=app.app_id,
                user_id=user.id,
                created_at=now,
                expires_at=now + lifetime,
                scope=scope,
                snapshot=snapshot,
            )
            if kind == "login":
                code.session_key = new_session_key()
                user.session_keys[app.app_id] = code.session_key
            self.codes[code.code] = code
            return code

    def consume_code(self, value: str, app_id: str, kind: CodeKind, *, expired_errcode: int) -> Code:
        """Use ``value`` once. Raises :class:`SimError`: 40029 unknown / other app or kind /
        expired when ``expired_errcode`` is 40029, 42003 expired (OAuth), 40163 already used."""
        with self.lock:
            code = self.codes.get(value)
            if code is None or code.app_id != app_id or code.kind != kind:
                raise SimError(40029)
            if code.used:
                raise SimError(40163)
            if self.now() >= code.expires_at:
                raise SimError(expired_errcode)
            code.used = True
            return code

    # ------------------------------------------------------------------ authorizations

    def add_authorization(self, authorization: Authorization) -> Authorization:
        """Remember a pending browser login."""
        with self.lock:
            self.authorizations[authorization.ticket] = authorization
            return authorization

    def authorization_by_state(self, state: str) -> Authorization | None:
        """The most recent undecided, unexpired authorization carrying ``state``."""
        with self.lock:
            now = self.now()
            for authorization in reversed(list(self.authorizations.values())):
                if (
                    authorization.state == state
                    and authorization.status in ("pending", "scanned")
                    and now < authorization.expires_at
                ):
                    return authorization
            return None

    # ------------------------------------------------------------------ faults, quotas, calls

    def add_fault(self, fault: Fault) -> Fault:
        """Inject ``fault`` (faults on one path apply in the order they were added)."""
        with self.lock:
            self.faults.append(fault)
            return fault

    def clear_faults(self, path: str | None = None) -> int:
        """Remove every fault (of ``path``); returns how many were removed."""
        with self.lock:
            kept = [f for f in self.faults if path is not None and f.path != path]
            removed = len(self.faults) - len(kept)
            self.faults = kept
            return removed

    def take_fault(self, path: str) -> Fault | None:
        """The fault that applies to this call of ``path``, counting it down."""
        with self.lock:
            for fault in self.faults:
                if fault.path == path:
                    fault.times -= 1
                    if fault.times <= 0:
                        self.faults.remove(fault)
                    return fault
            return None

    def count_call(self, app: SimApp) -> None:
        """Count one API call of ``app``; raises :class:`SimError` 45011 over its per-minute quota."""
        if app.rate_limit is None:
            return
        with self.lock:
            minute = int(self.now() // 60)
            key = (app.app_id, minute)
            count = self.minute_counts.get(key, 0) + 1
            if count > app.rate_limit:
                raise SimError(45011)
            self.minute_counts = {k: v for k, v in self.minute_counts.items() if k[1] >= minute}
            self.minute_counts[key] = count

    def log_call(self, call: Call) -> None:
        """Append ``call`` to the log (the oldest entries fall off)."""
        with self.lock:
            self.calls.append(call)

    def calls_for(self, path: str | None = None) -> list[Call]:
        """Logged calls, oldest first, optionally only those of ``path``."""
        with self.lock:
            return [c for c in self.calls if path is None or c.path == path]

    def record_message(self, message: CustomMessage) -> None:
        """Remember a customer-service message."""
        with self.lock:
            self.messages.append(message)

    def messages_for(
        self, *, user_id: str | None = None, app_id: str | None = None
    ) -> Iterable[CustomMessage]:
        """Recorded customer-service messages, oldest first, optionally filtered."""
        with self.lock:
            return [
                m
                for m in self.messages
                if (user_id is None or m.user_id == user_id) and (app_id is None or m.app_id == app_id)
            ]

    # ------------------------------------------------------------------ tokens (indexes)

    def add_token(self, token: AccessToken) -> None:
        """Index an issued app-level token and make it the current one of its pool."""
        with self.lock:
            self.tokens[token.token] = token
            self.current_tokens[(token.app_id, token.pool)] = token

    def add_grant(self, grant: OAuthGrant) -> None:
        """Index a user-level OAuth grant by its access and refresh tokens."""
        with self.lock:
            self.grants[grant.access_token] = grant
            self.refresh_grants[grant.refresh_token] = grant


_default: SimulatorState | None = None
_default_lock = threading.Lock()


def default_state() -> SimulatorState:
    """The process-wide state shared by the server and the in-process transport by default."""
    global _default
    with _default_lock:
        if _default is None:
            _default = SimulatorState()
        return _default
