"""``AsyncWeChatClient``: the same typed API as :class:`~djwechat.client.WeChatClient`, awaited.

Same endpoints (:mod:`djwechat.client.api`), errcode table, retry rules, timeouts and redaction
(:mod:`djwechat.client.exchange`), and the same access token: same cache key, same cross-process
lock, so sync and async callers of one app fetch it once between them.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from djwechat.client import api
from djwechat.client.access_tokens import AsyncAccessTokenManager
from djwechat.client.base import ClientBase
from djwechat.client.http import AsyncAPISession
from djwechat.client.types import AccessToken, Code2Session, OAuthToken, OAuthUserInfo, PhoneInfo
from djwechat.conf import AppSettings, WeChatSettings

__all__ = ["AsyncWeChatClient"]


class AsyncWeChatClient(ClientBase):
    """The WeChat API for one configured app, for coroutines (``httpx.AsyncClient``).

    Use :func:`djwechat.client.get_async_client` to share one per app and process; it may serve
    several event loops (one connection pool each).  Raises exactly what
    :class:`~djwechat.client.WeChatClient` raises.  Its transport is ``CLIENT.ASYNC_TRANSPORT``,
    else ``CLIENT.TRANSPORT``, and must be an ``httpx.AsyncBaseTransport``.
    """

    session: AsyncAPISession
    tokens: AsyncAccessTokenManager

    def __init__(self, app: AppSettings, *, settings: WeChatSettings | None = None) -> None:
        super().__init__(app, settings=settings)
        transport = self.options.async_transport or self.options.transport
        self.session = AsyncAPISession(**self._session_options(transport))
        self.tokens = AsyncAccessTokenManager(fetch=self.fetch_access_token, **self._token_options())

    async def aclose(self) -> None:
        """Close the running event loop's HTTP connection pool."""
        await self.session.aclose()

    async def access_token(self) -> str:
        """The app access token (see :meth:`WeChatClient.access_token`)."""
        return (await self.tokens.get()).token

    async def fetch_access_token(self, force_refresh: bool = False) -> AccessToken:
        """One upstream token request, bypassing the cache (see :meth:`WeChatClient.fetch_access_token`)."""
        return await self._perform(api.app_token(self.app, mode=self.token_mode, force_refresh=force_refresh))

    async def code_to_session(self, js_code: str) -> Code2Session:
        """``sns/jscode2session`` (see :meth:`WeChatClient.code_to_session`)."""
        return await self._perform(api.code_to_session(self.app, js_code))

    async def get_phone_number(self, code: str, *, openid: str | None = None) -> PhoneInfo:
        """``wxa/business/getuserphonenumber`` (see :meth:`WeChatClient.get_phone_number`)."""
        return await self._perform(api.phone_number(code, openid=openid))

    async def oauth_access_token(self, code: str) -> OAuthToken:
        """``sns/oauth2/access_token`` (see :meth:`WeChatClient.oauth_access_token`)."""
        return await self._perform(api.oauth_access_token(self.app, code))

    async def oauth_refresh_token(self, refresh_token: str) -> OAuthToken:
        """``sns/oauth2/refresh_token`` (see :meth:`WeChatClient.oauth_refresh_token`)."""
        return await self._perform(api.oauth_refresh_token(self.app, refresh_token))

    async def oauth_user_info(self, access_token: str, openid: str, lang: str = "zh_CN") -> OAuthUserInfo:
        """``sns/userinfo`` (see :meth:`WeChatClient.oauth_user_info`)."""
        return await self._perform(api.oauth_user_info(access_token, openid, lang))

    async def oauth_check(self, access_token: str, openid: str) -> bool:
        """``sns/auth`` (see :meth:`WeChatClient.oauth_check`)."""
        return await self._perform(api.oauth_check(access_token, openid))

    async def send_custom_message(self, openid: str, msgtype: str, content: Mapping[str, Any]) -> None:
        """``cgi-bin/message/custom/send``, never sent twice (see :meth:`WeChatClient.send_custom_message`)."""
        await self._perform(api.custom_message(openid, msgtype, content))

    async def send_text(self, openid: str, text: str) -> None:
        """A text customer-service message."""
        await self.send_custom_message(openid, "text", {"content": text})
