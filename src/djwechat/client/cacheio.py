"""Moved to :mod:`djwechat._internal.cacheio` (the login lock uses it too); this path warns and goes in 0.2."""

from djwechat.deprecation import moved

__getattr__ = moved(
    __name__,
    {
        "AsyncCacheIO": "djwechat._internal.cacheio:AsyncCacheIO",
        "CacheIO": "djwechat._internal.cacheio:CacheIO",
        "LocalLock": "djwechat._internal.cacheio:LocalLock",
        "LoopLock": "djwechat._internal.cacheio:LoopLock",
        "ThreadLock": "djwechat._internal.cacheio:ThreadLock",
    },
)
