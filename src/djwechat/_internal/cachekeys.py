"""Cache key names that reveal nothing: a keyed digest of what they stand for.

Cache key names show up in monitoring, ``KEYS``/``SCAN`` listings and slow logs.  A session key
there is a bearer secret in clear; an IP address or an account name behind a plain hash is not
hidden either (all four billion IPv4 addresses are quickly tried).  :func:`keyed_digest` hashes
with a key derived from ``SECRET_KEY``, so a name can be recomputed from the value but not the
value from the name.  Rotating ``SECRET_KEY`` only turns what the names point at into misses.
"""

from __future__ import annotations

import functools
import hashlib

from django.conf import settings

__all__ = ["keyed_digest"]


@functools.lru_cache(maxsize=8)
def _key(secret_key: str, purpose: str) -> bytes:
    material = f"djwechat.cachekeys:{purpose}:{secret_key}".encode("utf-8", "surrogatepass")
    return hashlib.blake2b(material, digest_size=32).digest()


def keyed_digest(purpose: str, value: str) -> str:
    """40 hex digits standing for ``value`` in the cache key names of ``purpose``.

    Keyed BLAKE2b (a MAC by design) under a key derived from ``SECRET_KEY`` and ``purpose``, so
    names of different purposes never coincide.  Any string is accepted, lone surrogates too.
    """
    key = _key(str(settings.SECRET_KEY), purpose)
    data = value.encode("utf-8", "surrogatepass")
    return hashlib.blake2b(data, key=key, digest_size=20).hexdigest()
