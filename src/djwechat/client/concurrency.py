"""Moved to :mod:`djwechat._internal.concurrency` (the login lock uses it too); this path warns and goes in 0.2."""

from djwechat.deprecation import moved

__getattr__ = moved(
    __name__,
    {
        "PerLoop": "djwechat._internal.concurrency:PerLoop",
        "run_sync": "djwechat._internal.concurrency:run_sync",
    },
)
