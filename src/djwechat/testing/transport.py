"""An httpx transport into this Django project, for tests that act as WeChat towards it."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import httpx

__all__ = ["django_transport"]


def django_transport() -> httpx.WSGITransport:
    """An httpx transport that hands requests to this project's WSGI application, without a socket.

    Like Django's test client, it keeps the database connection open across the request (a plain
    ``WSGITransport(app=get_wsgi_application())`` closes it when the request finishes, which
    ends a ``django_db`` test's transaction or in-memory database).
    """
    from django.core.wsgi import get_wsgi_application

    return httpx.WSGITransport(app=_KeepConnections(get_wsgi_application()))


class _KeepConnections:
    """A WSGI application that runs ``app`` with ``close_old_connections`` off, as the test client does."""

    def __init__(self, app: Callable[..., Iterable[bytes]]) -> None:
        self.app = app

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
        from django.core.signals import request_finished, request_started
        from django.db import close_old_connections

        request_started.disconnect(close_old_connections)
        request_finished.disconnect(close_old_connections)
        try:
            result = self.app(environ, start_response)
            try:
                return [b"".join(result)]
            finally:
                close = getattr(result, "close", None)
                if close is not None:
                    close()  # fires request_finished, while close_old_connections is off
        finally:
            request_started.connect(close_old_connections)
            request_finished.connect(close_old_connections)
