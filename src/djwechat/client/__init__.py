"""The WeChat server API client.

``get_client(alias)`` returns the shared :class:`WeChatClient` of a configured app and
``get_async_client(alias)`` its :class:`AsyncWeChatClient` twin (the same methods, awaited);
their access token is shared by every process and host through the Django cache (see
:mod:`djwechat.client.access_tokens`), errcodes become the exceptions of :mod:`djwechat.exceptions`
(table: :data:`djwechat.client.errors.ERRCODE_EXCEPTIONS`).

Example::

    from djwechat.client import get_async_client, get_client

    session = get_client("mp").code_to_session(js_code)
    get_client("oa").send_text(openid, "Your order has shipped.")
    await get_async_client("oa").send_text(openid, "Your order has shipped.")
"""

from __future__ import annotations

from djwechat.client.access_tokens import AccessTokenManager, AsyncAccessTokenManager, CachedToken
from djwechat.client.async_client import AsyncWeChatClient
from djwechat.client.client import WeChatClient
from djwechat.client.errors import ERRCODE_EXCEPTIONS
from djwechat.client.registry import get_async_client, get_client, reset_clients
from djwechat.client.types import AccessToken, Code2Session, OAuthToken, OAuthUserInfo, PhoneInfo

__all__ = [
    "ERRCODE_EXCEPTIONS",
    "AccessToken",
    "AccessTokenManager",
    "AsyncAccessTokenManager",
    "AsyncWeChatClient",
    "CachedToken",
    "Code2Session",
    "OAuthToken",
    "OAuthUserInfo",
    "PhoneInfo",
    "WeChatClient",
    "get_async_client",
    "get_client",
    "reset_clients",
]
