"""What website QR login and Official Account H5 login share: the authorize URL and the code exchange.

Both are WeChat's OAuth 2.0 variant (doc/oplatform/Website_App/WeChat_Login/Wechat_Login.html,
doc/offiaccount/OA_Web_Apps/Wechat_webpage_authorization.html): the browser is sent to an
``open.weixin.qq.com`` page with ``appid``, ``redirect_uri``, ``scope`` and ``state``; WeChat sends
it back to ``redirect_uri?code=CODE&state=STATE`` (without ``code`` when the user refused); the
server trades the code for a user-level token (``sns/oauth2/access_token``) and, when the scope
allows, reads the profile (``sns/userinfo``).

The user-level ``access_token`` and ``refresh_token`` are secrets and are needed for nothing after
the profile was read, so they are kept nowhere: not in the login context, the identity, the
session, an answer or a log line.
"""

from __future__ import annotations

from typing import Any, Final
from urllib.parse import quote, urlencode

from django.views.decorators.debug import sensitive_variables

from djwechat._internal.throttling import throttle
from djwechat.client import get_client
from djwechat.conf import AppSettings, get_settings
from djwechat.exceptions import SnapshotUserError
from djwechat.login.flows.common import SESSION_APP_ID, SESSION_OPENID, LoginResult, complete_login
from djwechat.login.pipeline import LoginContext
from djwechat.login.providers import get_provider

__all__ = ["PROFILE_SCOPES", "authorize_url", "oauth_context", "oauth_login"]

#: Scopes whose token may read ``sns/userinfo``; ``snsapi_base`` only names the openid.
PROFILE_SCOPES: Final = frozenset({"snsapi_login", "snsapi_userinfo"})


def authorize_url(path: str, app: AppSettings, *, redirect_uri: str, scope: str, state: str) -> str:
    """``OPEN_BASE_URL`` + ``path`` with WeChat's query, in WeChat's order, and ``#wechat_redirect``.

    ``redirect_uri`` is percent-encoded whole (``quote(…, safe="")``, as WeChat's own examples).
    """
    query = urlencode(
        {"appid": app.app_id, "redirect_uri": redirect_uri, "response_type": "code", "scope": scope}
        | ({"state": state} if state else {}),
        quote_via=quote,
        safe="",
    )
    return f"{get_settings().open_base_url}{path}?{query}#wechat_redirect"


def oauth_login(request: Any, app: AppSettings, code: str) -> LoginResult:
    """Trade an OAuth ``code`` of ``app`` for the user, run the pipeline and start a session.

    Raises what :func:`oauth_context` raises, and whatever the pipeline raises.
    """
    ctx = oauth_context(request, app, code)
    return complete_login(request, ctx, session_data={SESSION_APP_ID: app.app_id, SESSION_OPENID: ctx.openid})


@sensitive_variables()  # the user-level OAuth tokens: see djwechat._internal.debug
def oauth_context(request: Any, app: AppSettings, code: str) -> LoginContext:
    """Trade an OAuth ``code`` of ``app`` for what WeChat says about the user: a login's context.

    The profile is read when the granted scope allows it; a ``snsapi_base`` login knows only the
    openid (and WeChat sends no unionid then), so the user is found or created by openid.  The
    per-account login limit applies once WeChat said who the user is.

    Raises the client's errors for the code (``InvalidCodeError``, ``CodeUsedError``,
    ``UpstreamError`` …), :class:`~djwechat.exceptions.SnapshotUserError` for a visitor of a
    Moments snapshot page (WeChat's stand-in openid, never a user of ours),
    and :class:`~djwechat.exceptions.ThrottledError`.
    """
    client = get_client(app.alias)
    token = client.oauth_access_token(code)
    if token.is_snapshot_user:
        raise SnapshotUserError()
    throttle("login-account", f"{app.app_id}:{token.openid}", get_settings().login.account_throttle_rate)
    response: dict[str, Any] = {"scope": token.scope}
    unionid = token.unionid
    if token.scopes & PROFILE_SCOPES:
        info = client.oauth_user_info(token.access_token, token.openid)
        # The profile answer holds no secret; the token answer (token.raw) does, and stays out.
        response = {**info.raw, "scope": token.scope}
        unionid = info.unionid or unionid
    return LoginContext(
        request=request,
        app=app,
        provider=get_provider(app.type),
        openid=token.openid,
        unionid=unionid,
        response=response,
    )
