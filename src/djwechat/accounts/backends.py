"""Moved to :mod:`djwechat.accounts.auth_backends` (``jwt.backends`` is the session store, not this);
this path warns and goes in 0.2."""

from djwechat.deprecation import moved

__getattr__ = moved(
    __name__,
    {"UsernameOrEmailBackend": "djwechat.accounts.auth_backends:UsernameOrEmailBackend"},
)
