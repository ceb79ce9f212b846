"""Helpers of the client tests."""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
from asgiref.sync import async_to_sync

from djwechat.client import AsyncAccessTokenManager
from djwechat.conf import AppSettings


class Blocking:
    """A blocking view of an object with coroutine methods (an AsyncWeChatClient, its tokens).

    Each coroutine method call runs on an event loop of its own; ``cleanup`` is awaited on that
    loop afterwards (closing the loop's connection pool).
    """

    def __init__(self, target: Any, cleanup: Callable[[], Awaitable[None]] | None = None) -> None:
        self._target = target
        self._cleanup = cleanup

    def __getattr__(self, name: str) -> Any:
        value = getattr(self._target, name)
        if isinstance(value, AsyncAccessTokenManager):
            return Blocking(value, self._cleanup)
        if not inspect.iscoroutinefunction(value):
            return value

        def call(*args: Any, **kwargs: Any) -> Any:
            async def run() -> Any:
                try:
                    return await value(*args, **kwargs)
                finally:
                    if self._cleanup is not None:
                        await self._cleanup()

            return async_to_sync(run)()

        return call


def revoke_stable_token(sim: Any, app: AppSettings) -> None:
    """Do what another host forcing a stable-token refresh does: the token everyone holds is
    revoked at once, and calls carrying it are refused with 40001.  Clears the call log."""
    httpx.post(
        f"{sim.base_url}/cgi-bin/stable_token",
        json={
            "grant_type": "client_credential",
            "appid": app.app_id,
            "secret": app.app_secret,
            "force_refresh": True,
        },
    ).raise_for_status()
    sim.clear_calls()
