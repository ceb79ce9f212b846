"""Moved to :mod:`djwechat.simulator.access_tokens` (``tokens`` alone also named the JWTs); this path warns and goes in 0.2."""

from djwechat.deprecation import moved

__getattr__ = moved(
    __name__,
    {
        "ACCESS_TOKEN_LIFETIME": "djwechat.simulator.access_tokens:ACCESS_TOKEN_LIFETIME",
        "issue_classic_token": "djwechat.simulator.access_tokens:issue_classic_token",
        "issue_grant": "djwechat.simulator.access_tokens:issue_grant",
        "issue_stable_token": "djwechat.simulator.access_tokens:issue_stable_token",
        "refresh_grant": "djwechat.simulator.access_tokens:refresh_grant",
        "validate_access_token": "djwechat.simulator.access_tokens:validate_access_token",
        "validate_grant": "djwechat.simulator.access_tokens:validate_grant",
    },
)
