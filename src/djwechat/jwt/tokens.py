"""Deprecated: signing and verifying session tokens is :mod:`djwechat.jwt.session_tokens`.

The old path keeps working until djwechat 0.2, with a
:class:`~djwechat.deprecation.RemovedInDjwechat02Warning`; ``client.tokens`` (WeChat access
tokens) and ``simulator.tokens`` shared the old name.
"""

from djwechat.deprecation import moved

__getattr__ = moved(
    __name__,
    {
        "REQUIRED_CLAIMS": "djwechat.jwt.session_tokens:REQUIRED_CLAIMS",
        "RESERVED_CLAIMS": "djwechat.jwt.session_tokens:RESERVED_CLAIMS",
        "TokenType": "djwechat.jwt.session_tokens:TokenType",
        "decode": "djwechat.jwt.session_tokens:decode",
        "encode": "djwechat.jwt.session_tokens:encode",
        "make_access_token": "djwechat.jwt.session_tokens:make_access_token",
        "make_refresh_token": "djwechat.jwt.session_tokens:make_refresh_token",
        "new_token_id": "djwechat.jwt.session_tokens:new_token_id",
    },
)
