"""What :class:`~djwechat.client.WeChatClient` and :class:`~djwechat.client.AsyncWeChatClient` share.

Both describe each endpoint with :mod:`djwechat.client.api`, send through a session running
:func:`djwechat.client.exchange.exchange`, and keep the app access token with a
:class:`~djwechat.client.access_tokens.TokenKeeper` under the same cache key.  The call flow below is
written once, as a coroutine: the async client awaits it, the sync client runs it with blocking
I/O through :func:`~djwechat._internal.concurrency.run_sync`.
"""

from __future__ import annotations

from typing import Any, TypeVar

from djwechat.client.access_tokens import TokenKeeper
from djwechat.client.api import APICall
from djwechat.client.errors import TOKEN_ERRCODES
from djwechat.client.http import APISession, AsyncAPISession
from djwechat.conf import AppSettings, WeChatSettings, get_settings
from djwechat.exceptions import AccessTokenError

__all__ = ["ClientBase", "token_cache_key"]

T = TypeVar("T")


def token_cache_key(token_mode: str, app_id: str) -> str:
    """The cache key of an app's access token (one per AppID and token mode)."""
    return f"djwechat:access_token:{token_mode}:{app_id}"


class ClientBase:
    """The configuration and the call flow of one app's client; subclasses add the I/O."""

    session: APISession | AsyncAPISession
    tokens: TokenKeeper[Any]

    def __init__(self, app: AppSettings, *, settings: WeChatSettings | None = None) -> None:
        current = settings or get_settings()
        self.app = app
        self.options = current.client
        self.token_mode = self.options.token_mode
        self._api_base_url = current.api_base_url
        self._cache_alias = current.cache_alias

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.app.alias} ({self.app.type} {self.app.app_id})>"

    def _session_options(self, transport: str | None) -> dict[str, Any]:
        return {
            "base_url": self._api_base_url,
            "timeout": self.options.timeout,
            "max_retries": self.options.max_retries,
            "transport": transport,
        }

    def _token_options(self) -> dict[str, Any]:
        options = self.options
        fetch_time = options.timeout * (options.max_retries + 1)
        return {
            "key": token_cache_key(options.token_mode, self.app.app_id),
            "cache_alias": self._cache_alias,
            "refresh_margin": options.token_refresh_margin,
            # The lock must outlive the holder's own fetch (all its retries), or a second process
            # could start another fetch and invalidate the first token (cgi-bin/token rotates).
            "lock_timeout": max(options.lock_timeout, fetch_time + 1),
            # Long enough for the holder's own fetch with its retries, or for a dead holder's lock to expire.
            "wait_timeout": options.lock_timeout + fetch_time + 2,
        }

    async def _perform(self, call: APICall[T]) -> T:
        """Send ``call``, adding the app access token when it needs one.

        WeChat refusing the token (40001/40014/42001: revoked, superseded, expired early) leads
        to one compare-and-refresh - which fetches only if nobody replaced that token yet - and
        one retry.  WeChat did not act on the refused call, so even a message send is safe to repeat.
        """
        if not call.needs_app_token:
            return await self.session.call(call)
        record = await self.tokens._current()
        try:
            return await self.session.call(call.with_app_token(record.token))
        except AccessTokenError as exc:
            if exc.errcode not in TOKEN_ERRCODES:
                raise
        fresh = await self.tokens._refresh(record, False)
        return await self.session.call(call.with_app_token(fresh.token))
