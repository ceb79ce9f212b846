"""Keep WeChat secrets out of log lines.

WeChat's server APIs take the app secret and access tokens in the query string
(``cgi-bin/token?secret=…``, ``sns/jscode2session?secret=…``, ``…?access_token=…``), so any
library that logs request URLs - httpx logs every request at INFO - would write them to the
logs.  :class:`RedactSecretsFilter` rewrites such records before any handler sees them.
"""

from __future__ import annotations

import logging
import re
from typing import Final

#: Query parameters whose values are secrets (``code``: the one-time login codes of ``sns/oauth2``).
SECRET_QUERY_KEYS: Final = (
    "secret",
    "appsecret",
    "access_token",
    "refresh_token",
    "session_key",
    "js_code",
    "code",
)

_SECRET_QUERY_RE: Final = re.compile(
    r"(?P<key>(?:^|(?<=[?&\s\"']))(?:" + "|".join(SECRET_QUERY_KEYS) + r"))=(?P<value>[^&#\s\"']+)",
    re.IGNORECASE,
)


def redact(text: str) -> str:
    """``text`` with the value of every secret query parameter replaced by ``***``."""
    return _SECRET_QUERY_RE.sub(r"\g<key>=***", text)


class RedactSecretsFilter(logging.Filter):
    """A logging filter that redacts secret query parameters from the formatted message."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        redacted = redact(message)
        if redacted != message:
            record.msg, record.args = redacted, None
        return True


def install_redaction(logger_name: str) -> None:
    """Add :class:`RedactSecretsFilter` to a logger once (idempotent, thread-safe enough: the
    worst case of a race is one duplicate filter, which redacts twice)."""
    target = logging.getLogger(logger_name)
    if not any(isinstance(f, RedactSecretsFilter) for f in target.filters):
        target.addFilter(RedactSecretsFilter())
