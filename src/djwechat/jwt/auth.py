"""Deprecated: request authentication is :mod:`djwechat.jwt.request_auth`.

The old path keeps working until djwechat 0.2, with a
:class:`~djwechat._internal.deprecation.RemovedInDjwechat02Warning`; it read too much like
:mod:`djwechat.jwt.authentication` (the DRF class).
"""

from djwechat._internal.deprecation import moved_module

__getattr__ = moved_module(__name__, "djwechat.jwt.request_auth")
