"""Child-process side of the cross-process invalidation test: another Django process, same database and cache.

Started with the ``spawn`` context, so it imports Django from scratch; the parent hands it the
settings that matter (its test database, its caches, its ``WECHAT``).  It then answers commands
on a pipe, one at a time:

* ``("serving",)`` -> whether its subscription to the invalidation channel serves;
* ``("lookup", session_key)`` -> ``"live"`` or ``"refused"``, as a request would find it;
* ``("remembers", session_key)`` -> whether the session is held in this process's memory;
* ``("stop",)`` -> exits.
"""

from __future__ import annotations

import os
import sys
from multiprocessing.connection import Connection
from typing import Any


def run(databases: dict[str, Any], caches: dict[str, Any], wechat: dict[str, Any], pipe: Connection) -> None:
    """Set Django up with the parent's settings, then answer ``pipe`` until ``("stop",)``."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")
    for path in (".", "example"):
        if path not in sys.path:
            sys.path.insert(0, path)
    from django.conf import settings

    settings.DATABASES = databases
    settings.CACHES = caches
    settings.WECHAT = wechat
    import django

    django.setup()
    from django.db import connections

    from djwechat.jwt import record_cache
    from djwechat.jwt.session_store import SessionStore

    while True:
        command, *args = pipe.recv()
        if command == "stop":
            connections.close_all()  # the parent drops the test database next
            return
        if command == "serving":
            channel = record_cache.channel()
            pipe.send(channel is not None and channel.serving())
        elif command == "lookup":
            pipe.send("live" if SessionStore.load_live(args[0]) is not None else "refused")
        elif command == "remembers":
            pipe.send(args[0] in record_cache._local)
