"""Access-token rules of WeChat, applied to a :class:`SimulatorState`.

App-level tokens (developers.weixin.qq.com/doc/offiaccount/Basic_Information/Get_access_token.html
and doc/service/api/base/api_getstableaccesstoken):

* ``cgi-bin/token``: every call issues a new token; the previous one stays valid for 5 more
  minutes (so a central token server can roll over), then answers 40001.
* ``cgi-bin/stable_token``: repeated calls return the same token; in its last 5 minutes a call
  rotates it (the old one keeps its remaining life), so an answer always has ``expires_in >= 300``.
  ``force_refresh`` invalidates the current stable token at once, at most 20 times a day and only
  if the previous forced refresh is at least 30 seconds old (otherwise the current token comes back).
* The two pools are isolated: getting one kind never invalidates the other.

User-level OAuth tokens (doc/service/api/webdev/access/api_snsaccesstoken, api_snsrefreshtoken):
access token valid 7200 s, refresh token 30 days; refreshing extends a valid access token or
issues a new one after expiry, and keeps the same refresh token and its original deadline.
"""

from __future__ import annotations

from typing import Final

from djwechat.simulator.errors import SimError
from djwechat.simulator.identity import ACCESS_TOKEN_RE, new_access_token
from djwechat.simulator.records import AccessToken, OAuthGrant, SimApp
from djwechat.simulator.state import SimulatorState

__all__ = [
    "ACCESS_TOKEN_LIFETIME",
    "issue_classic_token",
    "issue_grant",
    "issue_stable_token",
    "refresh_grant",
    "validate_access_token",
    "validate_grant",
]

ACCESS_TOKEN_LIFETIME: Final = 7200
#: Seconds a superseded ``cgi-bin/token`` token keeps working; also the stable-token rotation window.
OVERLAP: Final = 300
FORCE_REFRESH_MIN_INTERVAL: Final = 30
FORCE_REFRESH_PER_DAY: Final = 20
REFRESH_TOKEN_LIFETIME: Final = 30 * 24 * 3600


def _new_token(state: SimulatorState, app: SimApp, pool: str) -> AccessToken:
    now = state.now()
    token = AccessToken(
        token=new_access_token(),
        app_id=app.app_id,
        pool="stable" if pool == "stable" else "classic",
        issued_at=now,
        expires_at=now + ACCESS_TOKEN_LIFETIME,
        valid_until=now + ACCESS_TOKEN_LIFETIME,
    )
    state.add_token(token)
    return token


def issue_classic_token(state: SimulatorState, app: SimApp) -> AccessToken:
    """A new ``cgi-bin/token`` token; the previous one of the app is valid 5 more minutes."""
    with state.lock:
        now = state.now()
        previous = state.current_tokens.get((app.app_id, "classic"))
        if previous is not None:
            previous.valid_until = min(previous.valid_until, now + OVERLAP)
        return _new_token(state, app, "classic")


def issue_stable_token(state: SimulatorState, app: SimApp, *, force_refresh: bool) -> AccessToken:
    """The app's stable token, rotated when close to expiry or (within limits) when forced.

    Raises :class:`SimError` 45009 when forced refreshes exceed 20 in the last day.
    """
    with state.lock:
        now = state.now()
        current = state.current_tokens.get((app.app_id, "stable"))
        if force_refresh:
            history = [t for t in state.force_refreshes.get(app.app_id, []) if t > now - 86400]
            state.force_refreshes[app.app_id] = history
            if history and now - history[-1] < FORCE_REFRESH_MIN_INTERVAL and current is not None:
                # Too soon after the previous forced refresh: WeChat does not refresh.
                return current
            if len(history) >= FORCE_REFRESH_PER_DAY:
                raise SimError(45009)
            history.append(now)
            if current is not None:
                current.valid_until = now
            return _new_token(state, app, "stable")
        if current is not None and now < current.valid_until and current.expires_at - now > OVERLAP:
            return current
        if current is not None and now < current.valid_until:
            # The last 5 minutes: hand out the successor, the old token lives out its time.
            current.valid_until = min(current.valid_until, current.expires_at)
        return _new_token(state, app, "stable")


def validate_access_token(state: SimulatorState, value: str | None) -> AccessToken:
    """The live app-level token ``value``.

    Raises :class:`SimError`: 41001 missing, 40014 not a token at all, 40001 unknown or
    superseded (after its overlap), 42001 expired.
    """
    if not value:
        raise SimError(41001)
    if not ACCESS_TOKEN_RE.match(value):
        raise SimError(40014)
    with state.lock:
        token = state.tokens.get(value)
        now = state.now()
        if token is None or state.app(token.app_id) is None:
            raise SimError(40001)
        if now >= token.expires_at:
            raise SimError(42001)
        if now >= token.valid_until:
            raise SimError(40001)
        return token


def issue_grant(state: SimulatorState, app: SimApp, user_id: str, scope: str) -> OAuthGrant:
    """A new user-level OAuth access token + refresh token."""
    with state.lock:
        now = state.now()
        grant = OAuthGrant(
            access_token=new_access_token(),
            refresh_token=new_access_token(),
            app_id=app.app_id,
            user_id=user_id,
            scope=scope,
            expires_at=now + ACCESS_TOKEN_LIFETIME,
            refresh_expires_at=now + REFRESH_TOKEN_LIFETIME,
        )
        state.add_grant(grant)
        return grant


def refresh_grant(state: SimulatorState, app: SimApp, refresh_token: str | None) -> OAuthGrant:
    """Refresh a user-level grant. Raises 41003 missing, 40030 unknown / other app, 42002 expired."""
    if not refresh_token:
        raise SimError(41003)
    with state.lock:
        grant = state.refresh_grants.get(refresh_token)
        if grant is None or grant.app_id != app.app_id:
            raise SimError(40030)
        now = state.now()
        if now >= grant.refresh_expires_at:
            raise SimError(42002)
        if now >= grant.expires_at:
            state.grants.pop(grant.access_token, None)
            grant.access_token = new_access_token()
            state.grants[grant.access_token] = grant
        grant.expires_at = now + ACCESS_TOKEN_LIFETIME
        return grant


def validate_grant(state: SimulatorState, value: str | None, openid: str | None) -> OAuthGrant:
    """The live user-level token ``value`` for ``openid``.

    Raises 41001 missing token, 41009 missing openid, 40014 garbage, 40001 unknown,
    42001 expired, 40003 openid of another user or app.
    """
    if not value:
        raise SimError(41001)
    if not openid:
        raise SimError(41009)
    if not ACCESS_TOKEN_RE.match(value):
        raise SimError(40014)
    with state.lock:
        grant = state.grants.get(value)
        if grant is None:
            raise SimError(40001)
        if state.now() >= grant.expires_at:
            raise SimError(42001)
        user = state.user_by_openid(grant.app_id, openid)
        if user is None or user.id != grant.user_id:
            raise SimError(40003)
        return grant
