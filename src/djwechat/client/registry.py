"""One :class:`WeChatClient` and one :class:`AsyncWeChatClient` per app alias per process."""

from __future__ import annotations

import threading
from typing import TypeVar

from djwechat.client.async_client import AsyncWeChatClient
from djwechat.client.base import ClientBase
from djwechat.client.client import WeChatClient
from djwechat.conf import WeChatSettings, get_settings, on_settings_reset

__all__ = ["get_async_client", "get_client", "reset_clients"]

C = TypeVar("C", bound=ClientBase)

_lock = threading.Lock()
_clients: dict[tuple[type[ClientBase], str], tuple[WeChatSettings, ClientBase]] = {}


def _shared(kind: type[C], alias: str) -> C:
    settings = get_settings()
    entry = _clients.get((kind, alias))
    if entry is None or entry[0] is not settings:
        with _lock:
            entry = _clients.get((kind, alias))
            if entry is None or entry[0] is not settings:
                entry = (settings, kind(settings.app(alias), settings=settings))
                _clients[kind, alias] = entry
    client = entry[1]
    assert isinstance(client, kind)
    return client


def get_client(alias: str) -> WeChatClient:
    """The shared client of the app configured as ``alias``.

    Built on first use and rebuilt when the settings change (``override_settings`` in tests).
    Raises :class:`~djwechat.exceptions.AppNotFoundError` when no app has that alias.
    """
    return _shared(WeChatClient, alias)


def get_async_client(alias: str) -> AsyncWeChatClient:
    """The shared async client of the app configured as ``alias`` (same rules as :func:`get_client`).

    Safe to call from sync or async code; the client serves every event loop of the process.
    """
    return _shared(AsyncWeChatClient, alias)


@on_settings_reset
def reset_clients() -> None:
    """Forget every shared client (their connection pools close when collected)."""
    with _lock:
        _clients.clear()
