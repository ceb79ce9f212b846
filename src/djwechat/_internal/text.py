"""Text that comes from outside (WeChat profiles, request headers) made safe to store."""

from __future__ import annotations

import re
from typing import Final

# C0 controls and DEL, except tab, newline and carriage return.  PostgreSQL refuses NUL in text
# columns, and none of these belong in a nickname or a User-Agent.
CONTROL_CHARS: Final = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def strip_control_characters(text: str) -> str:
    """``text`` without control characters (tab, newline and carriage return are kept)."""
    return CONTROL_CHARS.sub("", text)
