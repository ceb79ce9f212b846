"""Emptying the test cache without touching other pytest-xdist workers' keys.

On Redis every worker shares one database and isolates its keys by ``KEY_PREFIX``;
``cache.clear()`` there is ``FLUSHDB``, which would also wipe a concurrent worker's access-token
lock or cached sessions in the middle of its test.
"""

from __future__ import annotations

from django.core.cache import caches


def clear_worker_cache(alias: str = "default") -> None:
    """Delete this worker's keys from cache ``alias`` (all keys on a per-worker backend)."""
    cache = caches[alias]
    delete_pattern = getattr(cache, "delete_pattern", None)
    if delete_pattern is not None:
        delete_pattern("*")  # django-redis: scoped to KEY_PREFIX
    else:
        cache.clear()
