"""Text that comes from outside (WeChat profiles and answers, request headers) made safe to store."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, Final

#: C0 controls and DEL (except tab, newline and carriage return), and lone surrogates.
#: PostgreSQL refuses NUL in text columns and ``"\u0000"`` in jsonb; a surrogate cannot be
#: encoded as UTF-8, so no database stores it, yet ``json.loads`` makes one out of a
#: ``"\ud800"`` escape; and none of them belongs in a nickname or a User-Agent.
UNSTORABLE_CHARS: Final = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")


def storable_text(text: str) -> str:
    """``text`` without the characters of :data:`UNSTORABLE_CHARS` (tab, newline and CR are kept)."""
    return UNSTORABLE_CHARS.sub("", text)


def storable(value: Any) -> Any:
    """``value`` with :func:`storable_text` applied to every string in it, keys included.

    Mappings become dicts and tuples become lists (their JSON form); other values are returned
    as they are.  Two keys that only differed by removed characters keep the last value.
    """
    if isinstance(value, str):
        return storable_text(value)
    if isinstance(value, Mapping):
        return {storable(key): storable(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [storable(item) for item in value]
    return value
