"""``WeChatClient``: the typed WeChat server API of one app, for blocking callers.

Each method is one endpoint of :mod:`djwechat.client.api` (doc pages cited there), sent through
the call flow of :class:`~djwechat.client.base.ClientBase`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from django.views.decorators.debug import sensitive_variables

from djwechat._internal.concurrency import run_sync
from djwechat.client import api
from djwechat.client.access_tokens import AccessTokenManager
from djwechat.client.base import ClientBase
from djwechat.client.http import APISession
from djwechat.client.types import AccessToken, Code2Session, OAuthToken, OAuthUserInfo, PhoneInfo
from djwechat.conf import AppSettings, WeChatSettings

__all__ = ["WeChatClient"]

T = TypeVar("T")


class WeChatClient(ClientBase):
    """The WeChat API for one configured app (``settings.WECHAT["APPS"][alias]``).

    Thread-safe; use :func:`djwechat.client.get_client` to share one per app and process.
    Every method raises the :class:`~djwechat.exceptions.APIError` subclass of the errcode
    table (:mod:`djwechat.client.errors`), :class:`~djwechat.exceptions.UpstreamTimeoutError`
    when WeChat does not answer within ``CLIENT.TIMEOUT`` and
    :class:`~djwechat.exceptions.UpstreamError` when it cannot be reached.
    """

    session: APISession
    tokens: AccessTokenManager

    def __init__(self, app: AppSettings, *, settings: WeChatSettings | None = None) -> None:
        super().__init__(app, settings=settings)
        self.session = APISession(**self._session_options(self.options.transport))
        self.tokens = AccessTokenManager(fetch=self.fetch_access_token, **self._token_options())

    def close(self) -> None:
        """Close the HTTP connection pool."""
        self.session.close()

    @sensitive_variables()
    def _run(self, call: api.APICall[T]) -> T:
        return run_sync(self._perform(call))

    # ------------------------------------------------------------------ access token

    def access_token(self) -> str:
        """The app access token, from the shared cache or fetched by exactly one caller."""
        return self.tokens.get().token

    def fetch_access_token(self, force_refresh: bool = False) -> AccessToken:
        """One upstream token request, bypassing the cache (the token manager calls this).

        ``cgi-bin/stable_token`` or ``cgi-bin/token`` by ``CLIENT.TOKEN_MODE``; ``force_refresh``
        (stable mode only) revokes the current token.
        """
        return self._run(api.app_token(self.app, mode=self.token_mode, force_refresh=force_refresh))

    # ------------------------------------------------------------------ Mini Program

    def code_to_session(self, js_code: str) -> Code2Session:
        """Exchange a ``wx.login`` code for the user's openid and ``session_key`` (single-use code)."""
        return self._run(api.code_to_session(self.app, js_code))

    def get_phone_number(self, code: str, *, openid: str | None = None) -> PhoneInfo:
        """Exchange a phone-number button code for the number; ``openid`` lets WeChat check its owner.

        Without ``openid`` WeChat answers any valid code, whoever obtained it: pass the openid of
        the user the number is for.
        """
        return self._run(api.phone_number(code, openid=openid))

    # ------------------------------------------------------------------ OAuth (website and Official Account H5)

    def oauth_access_token(self, code: str) -> OAuthToken:
        """Exchange an OAuth ``code`` (single-use) for a user-level token."""
        return self._run(api.oauth_access_token(self.app, code))

    def oauth_refresh_token(self, refresh_token: str) -> OAuthToken:
        """Renew a user-level token with its refresh token (valid 30 days)."""
        return self._run(api.oauth_refresh_token(self.app, refresh_token))

    def oauth_user_info(self, access_token: str, openid: str, lang: str = "zh_CN") -> OAuthUserInfo:
        """A user's profile with a user-level token."""
        return self._run(api.oauth_user_info(access_token, openid, lang))

    def oauth_check(self, access_token: str, openid: str) -> bool:
        """Whether a user-level token is still valid for ``openid``.

        ``False`` for the documented "invalid" answers; other errors raise.
        """
        return self._run(api.oauth_check(access_token, openid))

    # ------------------------------------------------------------------ customer-service messages

    def send_custom_message(self, openid: str, msgtype: str, content: Mapping[str, Any]) -> None:
        """Send a customer-service message.

        ``content`` is the object under ``msgtype`` (``{"content": "hi"}`` for ``text``,
        ``{"media_id": ...}`` for ``image`` …).  Never sent twice: after a timeout WeChat may
        have delivered it, so :class:`~djwechat.exceptions.UpstreamTimeoutError` is raised
        instead of retrying.
        """
        self._run(api.custom_message(openid, msgtype, content))

    def send_text(self, openid: str, text: str) -> None:
        """Send a text customer-service message."""
        self.send_custom_message(openid, "text", {"content": text})
