"""Moved to :mod:`djwechat._internal.cachelock` (the login lock uses it too); this path warns and goes in 0.2."""

from djwechat.deprecation import moved

__getattr__ = moved(
    __name__,
    {
        "CacheLock": "djwechat._internal.cachelock:CacheLock",
    },
)
