"""One :class:`MessageServer` per Official Account per process, built from the settings.

Servers are rebuilt when ``settings.WECHAT`` changes; the handler thread pool is shared by every
account of the process and lives as long as it (a pool of another ``MESSAGES.HANDLER_THREADS``
size replaces it for handlers started after the change; the old one finishes its work).
"""

from __future__ import annotations

import threading
from typing import Final, cast

from django.core.cache import BaseCache, caches
from django.core.exceptions import ImproperlyConfigured
from django.utils.connection import ConnectionProxy

from djwechat._internal.imports import import_hook
from djwechat.conf import get_settings, on_settings_reset
from djwechat.messaging.guard import HandlerGuard
from djwechat.messaging.router import Router
from djwechat.messaging.server import MessageServer

__all__ = ["get_guard", "get_server"]

_lock = threading.Lock()
_servers: dict[str, MessageServer] = {}
_guard: HandlerGuard | None = None
#: Answers every push with ``success`` when an account configures no ``ROUTER``.
_EMPTY_ROUTER: Final = Router()


def get_guard() -> HandlerGuard:
    """The process-wide handler pool, of ``MESSAGES.HANDLER_THREADS`` threads."""
    global _guard
    threads = get_settings().messages.handler_threads
    with _lock:
        if _guard is None or _guard.max_workers != threads:
            if _guard is not None:
                _guard.shutdown(wait=False)
            _guard = HandlerGuard(max_workers=threads)
        return _guard


def get_server(alias: str) -> MessageServer:
    """The server of the Official Account configured as ``alias``.

    Raises :class:`djwechat.exceptions.AppNotFoundError` when there is none, and
    ``ImproperlyConfigured`` when its ``ROUTER`` does not name a :class:`Router`.
    """
    server = _servers.get(alias)
    if server is not None:
        return server
    settings = get_settings()
    app = settings.app(alias, type="official_account")
    router = import_hook(app.router) if app.router else _EMPTY_ROUTER
    if not isinstance(router, Router):
        raise ImproperlyConfigured(f"ROUTER of {alias!r} must name a djwechat.messaging.Router instance")
    server = MessageServer(
        app,
        messages=settings.messages,
        router=router,
        # A proxy: Django cache objects are per thread, and handlers run in pool threads.
        cache=cast(BaseCache, ConnectionProxy(caches, settings.cache_alias)),
        guard=get_guard(),
    )
    with _lock:
        return _servers.setdefault(alias, server)


@on_settings_reset
def _forget_servers() -> None:
    with _lock:
        _servers.clear()
