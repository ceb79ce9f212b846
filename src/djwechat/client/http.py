"""One app's HTTP line to WeChat: a blocking session and an asynchronous one.

Both run :func:`djwechat.client.exchange.exchange` (encoding, answer parsing, errcodes, retries);
they differ only in the ``httpx`` client and in how they wait between retries.
"""

from __future__ import annotations

import asyncio
import os
import threading
import time
from abc import ABC, abstractmethod
from typing import Any, TypeVar

import httpx
from django.core.exceptions import ImproperlyConfigured

from djwechat._internal.concurrency import PerLoop
from djwechat._internal.imports import import_hook
from djwechat._internal.redact import install_redaction
from djwechat.client.api import APICall
from djwechat.client.exchange import backoff_delay, client_options, exchange

__all__ = ["APISession", "AsyncAPISession", "backoff_delay"]

T = TypeVar("T")


class _Session(ABC):
    """Where calls go and the limits that apply to them; ``transport`` is a dotted factory path."""

    def __init__(
        self, *, base_url: str, timeout: float, max_retries: int, transport: str | None = None
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.max_retries = max_retries
        self.transport_path = transport

    def _options(self) -> dict[str, Any]:
        # httpx logs every request URL at INFO; WeChat puts the app secret and access tokens in
        # query strings.
        install_redaction("httpx")
        return client_options(base_url=self.base_url, timeout=self.timeout)

    def _transport(self) -> Any:
        return import_hook(self.transport_path)() if self.transport_path else None

    async def call(self, call: APICall[T]) -> T:
        """Send ``call`` and return its parsed answer (see :func:`exchange`).

        On the blocking session the coroutine never suspends: run it with
        :func:`~djwechat._internal.concurrency.run_sync`.
        """
        return await exchange(self, call, max_retries=self.max_retries, timeout=self.timeout)

    @abstractmethod
    async def send(
        self, method: str, path: str, *, params: Any, content: bytes | None, headers: dict[str, str]
    ) -> httpx.Response:
        """One HTTP request (see :class:`~djwechat.client.exchange.Sender`)."""

    @abstractmethod
    async def sleep(self, seconds: float) -> None:
        """Wait before a retry."""


class APISession(_Session):
    """Blocking calls to ``base_url`` through a thread-safe ``httpx.Client``.

    The client is made lazily, once per process: one inherited through ``fork`` (gunicorn
    ``--preload``) is replaced instead of sharing its sockets.  ``transport`` names a
    zero-argument callable returning an ``httpx.BaseTransport`` (``CLIENT.TRANSPORT``).
    """

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self._lock = threading.Lock()
        self._client: httpx.Client | None = None
        self._pid = 0

    def _http(self) -> httpx.Client:
        client, pid = self._client, os.getpid()
        if client is not None and self._pid == pid:
            return client
        with self._lock:
            if self._client is None or self._pid != pid:
                self._client = httpx.Client(transport=self._transport(), **self._options())
                self._pid = pid
            return self._client

    def close(self) -> None:
        """Close the connection pool (a later call opens a new one)."""
        with self._lock:
            client, self._client = self._client, None
        if client is not None and self._pid == os.getpid():
            client.close()

    async def send(
        self, method: str, path: str, *, params: Any, content: bytes | None, headers: dict[str, str]
    ) -> httpx.Response:
        """Blocking: the sync side of :class:`~djwechat.client.exchange.Sender`."""
        return self._http().request(method, path, params=params, content=content, headers=headers)

    async def sleep(self, seconds: float) -> None:
        """Blocking sleep."""
        time.sleep(seconds)


class AsyncAPISession(_Session):
    """Asynchronous calls to ``base_url`` through an ``httpx.AsyncClient``.

    An ``AsyncClient`` belongs to the event loop it first ran on, so there is one per running
    loop.  ``transport`` names a zero-argument callable returning an ``httpx.AsyncBaseTransport``
    (``CLIENT.ASYNC_TRANSPORT``, else ``CLIENT.TRANSPORT``: ``httpx.MockTransport`` and the
    simulator's transport serve both clients); a synchronous-only transport is refused with
    ``ImproperlyConfigured``.
    """

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self._clients: PerLoop[httpx.AsyncClient] = PerLoop(self._new_client)

    def _new_client(self) -> httpx.AsyncClient:
        transport = self._transport()
        if transport is not None and not isinstance(transport, httpx.AsyncBaseTransport):
            raise ImproperlyConfigured(
                f"{self.transport_path} returned a {type(transport).__name__}, which cannot serve "
                'AsyncWeChatClient: set WECHAT["CLIENT"]["ASYNC_TRANSPORT"] to a factory of an '
                "httpx.AsyncBaseTransport."
            )
        return httpx.AsyncClient(transport=transport, **self._options())

    async def aclose(self) -> None:
        """Close the running loop's connection pool (a later call opens a new one)."""
        client = self._clients.pop()
        if client is not None:
            await client.aclose()

    async def send(
        self, method: str, path: str, *, params: Any, content: bytes | None, headers: dict[str, str]
    ) -> httpx.Response:
        """The async side of :class:`~djwechat.client.exchange.Sender`."""
        return await self._clients.get().request(
            method, path, params=params, content=content, headers=headers
        )

    async def sleep(self, seconds: float) -> None:
        """Sleep without blocking the loop."""
        await asyncio.sleep(seconds)
