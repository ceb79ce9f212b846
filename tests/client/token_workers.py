"""Child-process side of ``test_token_sharing``: a Django process with many threads using one client.

Started with the ``spawn`` context, so each child imports Django from scratch with the parent's
environment (``DJANGO_SETTINGS_MODULE``, ``DATABASE_URL``, ``REDIS_URL``, ``TEST_DB_NAME``: the same
Redis key prefix as the parent) and then points ``settings.WECHAT`` at the parent's simulator.
"""

from __future__ import annotations

import os
import sys
import threading
from multiprocessing.synchronize import Event
from typing import Any


def run(
    wechat: dict[str, Any],
    action: str,
    threads: int,
    ready: Any,
    go: Event,
    results: Any,
    openid: str = "",
) -> None:
    """Set up Django, start ``threads`` threads, report ready, wait for ``go``, run ``action``.

    ``action`` is ``"token"`` (ask for the access token) or ``"send"`` (send a text message).
    Each thread puts ``("ok", token)`` or ``("error", repr)`` on ``results``.
    """
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")
    for path in (".", "example"):
        if path not in sys.path:
            sys.path.insert(0, path)
    import django

    django.setup()
    from django.conf import settings

    settings.WECHAT = wechat
    from djwechat.client import get_client

    client = get_client("oa")
    if action == "send":
        # This process learns the current token now; the parent revokes it before ``go``.
        client.access_token()
    barrier = threading.Barrier(threads + 1)

    def work(number: int) -> None:
        barrier.wait()
        go.wait(30)
        try:
            if action == "token":
                results.put(("ok", client.access_token()))
            else:
                client.send_text(openid, f"storm {os.getpid()} {number}")
                results.put(("ok", ""))
        except Exception as exc:
            results.put(("error", repr(exc)))

    workers = [threading.Thread(target=work, args=(n,)) for n in range(threads)]
    for worker in workers:
        worker.start()
    barrier.wait()
    ready.put(os.getpid())
    for worker in workers:
        worker.join(60)
