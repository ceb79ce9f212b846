"""Deprecated: the session engine is :mod:`djwechat.jwt.session_store` (``SessionStore``).

``djwechat.jwt.backends.SessionStore`` keeps working until djwechat 0.2, with a
:class:`~djwechat.deprecation.RemovedInDjwechat02Warning`; ``backends`` is the name Django gives
authentication backends, which this module never was.
"""

from djwechat.deprecation import moved

__getattr__ = moved(
    __name__,
    {
        "SessionStore": "djwechat.jwt.session_store:SessionStore",
        "SessionRecord": "djwechat.jwt.session_store:SessionRecord",
    },
)
