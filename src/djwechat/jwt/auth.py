"""Deprecated: request authentication is :mod:`djwechat.jwt.request_auth`.

The old path keeps working until djwechat 0.2, with a
:class:`~djwechat.deprecation.RemovedInDjwechat02Warning`; it read too much like
:mod:`djwechat.jwt.authentication` (the DRF class).
"""

from djwechat.deprecation import moved

__getattr__ = moved(
    __name__,
    {
        "LazyUser": "djwechat.jwt.request_auth:LazyUser",
        "authenticate_request": "djwechat.jwt.request_auth:authenticate_request",
        "bearer_token": "djwechat.jwt.request_auth:bearer_token",
        "verify_access_token": "djwechat.jwt.request_auth:verify_access_token",
    },
)
