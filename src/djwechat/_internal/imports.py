"""Import extension hooks named by dotted paths in the settings."""

from __future__ import annotations

from functools import cache
from typing import Any

from django.utils.module_loading import import_string


@cache
def import_hook(dotted_path: str) -> Any:
    """Import ``dotted_path`` once and remember it (hooks sit on hot paths).

    Raises ``ImportError`` with the path in the message when it does not resolve.
    """
    try:
        return import_string(dotted_path)
    except ImportError as exc:
        raise ImportError(f"Cannot import {dotted_path!r}: {exc}") from exc


def check_import(dotted_path: str) -> str | None:
    """``None`` when ``dotted_path`` imports, else the reason it does not (for system checks)."""
    try:
        import_string(dotted_path)
    except ImportError as exc:
        return str(exc)
    except Exception as exc:  # a module that fails while importing is also a broken setting
        return f"{type(exc).__name__}: {exc}"
    return None
