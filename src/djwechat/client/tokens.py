"""Moved to :mod:`djwechat.client.access_tokens` (``tokens`` alone also named the JWTs); this path warns and goes in 0.2."""

from djwechat.deprecation import moved

__getattr__ = moved(
    __name__,
    {
        "AccessTokenManager": "djwechat.client.access_tokens:AccessTokenManager",
        "AsyncAccessTokenManager": "djwechat.client.access_tokens:AsyncAccessTokenManager",
        "AsyncTokenFetcher": "djwechat.client.access_tokens:AsyncTokenFetcher",
        "CachedToken": "djwechat.client.access_tokens:CachedToken",
        "TokenFetcher": "djwechat.client.access_tokens:TokenFetcher",
        "TokenKeeper": "djwechat.client.access_tokens:TokenKeeper",
    },
)
