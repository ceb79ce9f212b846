"""Fixtures of the client tests: every behaviour test runs against both clients.

``wechat(alias)`` is ``get_client(alias)`` or, on the ``async`` run, ``get_async_client(alias)``
behind :class:`~tests.client.support.Blocking`, which awaits each call on an event loop of its own (as ``async_to_sync``
in a sync Django view does) and closes that loop's connection pool afterwards.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from djwechat.client import get_async_client, get_client
from tests.client.support import Blocking


@pytest.fixture(params=["sync", "async"])
def wechat(request: pytest.FixtureRequest) -> Callable[[str], Any]:
    """The shared client of an alias; parametrized over WeChatClient and AsyncWeChatClient."""
    if request.param == "sync":
        return get_client

    def blocking(alias: str) -> Blocking:
        client = get_async_client(alias)
        return Blocking(client, client.aclose)

    return blocking
