"""Deprecated: the session engine is :mod:`djwechat.jwt.session_store` (``SessionStore``).

``djwechat.jwt.backends.SessionStore`` keeps working until djwechat 0.2, with a
:class:`~djwechat._internal.deprecation.RemovedInDjwechat02Warning`; ``backends`` is the name
Django gives authentication backends, which this module never was.
"""

from djwechat._internal.deprecation import moved_module

__getattr__ = moved_module(__name__, "djwechat.jwt.session_store")
