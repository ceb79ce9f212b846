"""Official Account (公众号) H5 login inside WeChat (网页授权,
doc/offiaccount/OA_Web_Apps/Wechat_webpage_authorization.html).

1. :func:`start_oa_login`: a single-use ``state`` remembers where to go afterwards (``next``,
   allow-listed) and the browser is sent to ``connect/oauth2/authorize``.
2. :func:`complete_oa_login`: WeChat sends the browser back with ``code`` and ``state``; the code
   is exchanged, the pipeline run, a JWT session started, and the browser sent to ``next`` with a
   one-time ``login_code`` (valid ``LOGIN.LOGIN_CODE_SECONDS``) - never a token in a URL.
3. :func:`exchange_login_code`: the page trades the ``login_code`` for the token pair, once.

``snsapi_base`` is silent and names only the openid (no profile, no unionid);
``snsapi_userinfo`` asks for consent and reads the profile.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final
from urllib.parse import urlencode, urlsplit, urlunsplit

from djwechat._internal.concurrency import run_sync
from djwechat._internal.throttling import throttle_login
from djwechat.conf import get_settings
from djwechat.exceptions import BadRequestError, LoginRefusedError, WeChatError
from djwechat.login.flows import inputs
from djwechat.login.flows.oauth import authorize_url, oauth_login
from djwechat.login.onetime import OneTimeStore, new_token, parse_token
from djwechat.login.pipeline import StopPipeline
from djwechat.login.redirects import callback_url, safe_next

__all__ = ["SCOPES", "OACallback", "complete_oa_login", "exchange_login_code", "start_oa_login"]

SCOPES: Final = ("snsapi_base", "snsapi_userinfo")
#: URL name of the callback (``GET /auth/oa/<app>/callback/``).
CALLBACK_URL_NAME: Final = "djwechat-oa-callback"
#: Seconds a state waits for the user on WeChat's consent screen.
STATE_SECONDS: Final = 600

_STATES: Final = "state"
_LOGIN_CODES: Final = "login-code"


@dataclass(frozen=True, slots=True)
class OACallback:
    """Where the callback sends the browser: ``next`` with ``login_code``, or with ``login_error``."""

    redirect_url: str
    login_code: str | None = None
    error: str | None = None


def start_oa_login(request: Any, alias: str, *, next: Any = None, scope: Any = None) -> str:
    """The ``connect/oauth2/authorize`` URL that starts an H5 login of the Official Account ``alias``.

    ``scope`` defaults to the app's ``OAUTH_SCOPE``; ``next`` falls back to ``/`` unless it is a
    path on this site or a URL on ``LOGIN.ALLOWED_REDIRECT_HOSTS``.  Raises
    :class:`~djwechat.exceptions.BadRequestError` for another scope,
    :class:`~djwechat.exceptions.AppNotFoundError` and :class:`~djwechat.exceptions.ThrottledError`.
    """
    app = get_settings().app(alias, type="official_account")
    if scope in (None, ""):
        scope = app.oauth_scope
    if scope not in SCOPES:
        raise BadRequestError(f"'scope' must be one of {', '.join(SCOPES)}.")
    throttle_login(request, None)
    state = new_token()
    record = {"flow": "official_account", "alias": alias, "next": safe_next(request, next), "scope": scope}
    run_sync(OneTimeStore.blocking(_STATES).put(state, record, STATE_SECONDS))
    return authorize_url(
        "/connect/oauth2/authorize",
        app,
        redirect_uri=callback_url(request, app, CALLBACK_URL_NAME),
        scope=str(scope),
        state=state,
    )


def complete_oa_login(request: Any, alias: str, *, code: Any, state: Any) -> OACallback:
    """The callback: use up ``state``, log the user in, and say where to send the browser.

    Once the state is known good, every failure - the user refused (no ``code``), a Moments
    snapshot visitor, WeChat unavailable, a refused login - becomes ``next?login_error=<code>``
    so the page can say why; a step's :class:`StopPipeline` carrying a response propagates.

    Raises :class:`~djwechat.exceptions.LoginStateError` for a state that is malformed,
    unknown, expired, already used or of another app, :class:`~djwechat.exceptions.BadRequestError`
    for a malformed code and :class:`~djwechat.exceptions.ThrottledError` (nothing is used up then).
    """
    app = get_settings().app(alias, type="official_account")
    state_token = parse_token(state, "login state")
    wechat_code = None if code in (None, "") else inputs.code(code)
    if wechat_code is not None:
        throttle_login(request, None)
    taken = run_sync(
        OneTimeStore.blocking(_STATES).take(
            state_token,
            seconds=STATE_SECONDS,
            what="login link",
            expect={"flow": "official_account", "alias": alias},
        )
    )
    target = safe_next(request, taken.get("next"))
    if wechat_code is None:
        return OACallback(_with_query(target, login_error="refused"), error="refused")
    try:
        result = oauth_login(request, app, wechat_code)
    except StopPipeline as stop:
        if stop.response is not None:
            raise
        error = (stop.error or LoginRefusedError()).code
        return OACallback(_with_query(target, login_error=error), error=error)
    except WeChatError as exc:
        return OACallback(_with_query(target, login_error=exc.code), error=exc.code)
    login_code = new_token()
    seconds = get_settings().login.login_code_seconds
    run_sync(OneTimeStore.blocking(_LOGIN_CODES).put(login_code, {"tokens": result.tokens}, seconds))
    return OACallback(_with_query(target, login_code=login_code), login_code=login_code)


def exchange_login_code(login_code: Any) -> dict[str, Any]:
    """The token pair for a one-time ``login_code``; it works once.

    Raises :class:`~djwechat.exceptions.BadRequestError` without a code and
    :class:`~djwechat.exceptions.LoginStateError` for a malformed, unknown, expired or used one.
    """
    if login_code in (None, ""):
        raise BadRequestError("'login_code' is required.")
    token = parse_token(login_code, "login_code")
    taken = run_sync(
        OneTimeStore.blocking(_LOGIN_CODES).take(
            token, seconds=get_settings().login.login_code_seconds, what="login_code"
        )
    )
    tokens: dict[str, Any] = taken["tokens"]
    return tokens


def _with_query(url: str, **params: str) -> str:
    """``url`` with ``params`` added to its query (its fragment kept)."""
    parts = urlsplit(url)
    query = "&".join(part for part in (parts.query, urlencode(params)) if part)
    return urlunsplit((parts.scheme, parts.netloc, parts.path, query, parts.fragment))
