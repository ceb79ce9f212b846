"""What a message handler gets besides the message: the app, an API client and conversation state."""

from __future__ import annotations

import re
from functools import cached_property
from typing import TYPE_CHECKING, Any

from django.core.cache import BaseCache

from djwechat.conf import AppSettings, MessageSettings

if TYPE_CHECKING:
    from djwechat.client import WeChatClient

__all__ = ["ConversationState", "HandlerContext"]


class ConversationState:
    """A small per-user value kept in the shared cache between messages (e.g. "awaiting a city").

    One cache key per (app, user); every :meth:`set` restarts its lifetime
    (``MESSAGES.STATE_SECONDS`` unless ``ttl`` is given).  Values must be picklable; keep them
    small (a dict of a few keys), the cache is not a database.
    """

    def __init__(self, cache: BaseCache, key: str, ttl: int) -> None:
        self._cache = cache
        self._key = key
        self._ttl = ttl

    def get(self, default: Any = None) -> Any:
        """The stored value, or ``default`` when none is stored (or it expired)."""
        return self._cache.get(self._key, default)

    def set(self, value: Any, *, ttl: int | None = None) -> None:
        """Store ``value`` for ``ttl`` seconds (default ``MESSAGES.STATE_SECONDS``)."""
        self._cache.set(self._key, value, self._ttl if ttl is None else ttl)

    def clear(self) -> None:
        """Forget the stored value."""
        self._cache.delete(self._key)


class HandlerContext:
    """The second argument of every message handler.

    ``app`` is the Official Account's :class:`AppSettings`, ``messages`` the ``MESSAGES``
    settings, ``state`` the sender's :class:`ConversationState`, ``match`` the regex match of a
    ``@router.text(re.compile(...))`` route (else ``None``), and ``client`` a
    :class:`djwechat.client.WeChatClient` for API calls, created on first use.
    """

    def __init__(
        self,
        *,
        app: AppSettings,
        messages: MessageSettings,
        state: ConversationState,
        match: re.Match[str] | None = None,
    ) -> None:
        self.app = app
        self.messages = messages
        self.state = state
        self.match = match

    @cached_property
    def client(self) -> WeChatClient:
        """The app's API client (one per app per process)."""
        from djwechat.client import get_client

        return get_client(self.app.alias)
