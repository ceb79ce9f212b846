"""Deprecated: signing and verifying session tokens is :mod:`djwechat.jwt.session_tokens`.

The old path keeps working until djwechat 0.2, with a
:class:`~djwechat._internal.deprecation.RemovedInDjwechat02Warning`; ``client.tokens`` (WeChat access
tokens) and ``simulator.tokens`` share the old name.
"""

from djwechat._internal.deprecation import moved_module

__getattr__ = moved_module(__name__, "djwechat.jwt.session_tokens")
