"""Child-process side of ``test_lock_holder_killed``: a Django process that asks for the Official
Account's access token, with the parent's cache and WeChat settings.

Started with the ``spawn`` context, so each child imports Django from scratch.
"""

from __future__ import annotations

import os
import sys
from multiprocessing.synchronize import Event
from typing import Any


def fetch(caches: dict[str, Any], wechat: dict[str, Any], ready: Any, go: Event, results: Any) -> None:
    """Set up Django, report ready, wait for ``go``, then put ``("ok", token)`` or ``("error", repr)``."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")
    for path in (".", "example"):
        if path not in sys.path:
            sys.path.insert(0, path)
    import django

    django.setup()
    from django.conf import settings

    settings.CACHES = caches
    settings.WECHAT = wechat
    from djwechat.client import get_client

    client = get_client("oa")
    ready.put(os.getpid())
    go.wait(60)
    try:
        results.put(("ok", client.access_token()))
    except Exception as exc:
        results.put(("error", repr(exc)))
