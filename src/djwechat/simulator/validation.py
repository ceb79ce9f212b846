"""Reading the JSON bodies of the control API (``/_sim/…``): every bad field is a 400 :class:`ControlError`."""

from __future__ import annotations

import json
import re
from typing import Any, Final

from djwechat.simulator.errors import ControlError
from djwechat.simulator.http import Request

__all__ = [
    "ID_RE",
    "bool_field",
    "id_field",
    "json_body",
    "mapping_field",
    "not_found",
    "number_field",
    "str_field",
]

#: Shape of app ids, user ids and Open Platform account names.
ID_RE: Final = re.compile(r"\A[A-Za-z0-9_.@-]{1,64}\Z")
#: Longest string field accepted.
MAX_STRING: Final = 2048


def json_body(request: Request) -> dict[str, Any]:
    """The request body as a JSON object (``{}`` when empty); 400 for anything else.

    A ``"\\ud800"`` escape parses into a lone surrogate, which no answer, log line or
    ciphertext can encode as UTF-8: such a body is refused too.
    """
    if not request.body.strip():
        return {}
    try:
        data = request.json()
        json.dumps(data, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        raise ControlError("the body holds text that is not Unicode (a lone surrogate)") from None
    except (ValueError, RecursionError):  # UnicodeDecodeError is a ValueError
        raise ControlError("the body must be a JSON object") from None
    if not isinstance(data, dict):
        raise ControlError("the body must be a JSON object")
    return data


def str_field(data: dict[str, Any], key: str, *, required: bool = False, default: str = "") -> str:
    """``data[key]`` as a string of at most :data:`MAX_STRING` characters (``default`` when absent)."""
    value = data.get(key)
    if value is None:
        if required:
            raise ControlError(f"{key} is required")
        return default
    if not isinstance(value, str):
        raise ControlError(f"{key} must be a string")
    if required and not value:
        raise ControlError(f"{key} must not be empty")
    if len(value) > MAX_STRING:
        raise ControlError(f"{key} is too long")
    return value


def id_field(data: dict[str, Any], key: str, *, required: bool = True) -> str:
    """``data[key]`` as an identifier (see :data:`ID_RE`); ``""`` when absent and not required."""
    value = str_field(data, key, required=required)
    if value and not ID_RE.match(value):
        raise ControlError(f"{key} must be 1-64 letters, digits, or . _ - @")
    return value


def number_field(
    data: dict[str, Any], key: str, *, default: float = 0.0, maximum: float | None = None
) -> float:
    """``data[key]`` as a non-negative number, at most ``maximum``."""
    value = data.get(key, default)
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        raise ControlError(f"{key} must be a non-negative number")
    if maximum is not None and value > maximum:
        raise ControlError(f"{key} must be at most {maximum:g}")
    return float(value)


def bool_field(data: dict[str, Any], key: str, *, default: bool) -> bool:
    """``data[key]`` as ``true``/``false``."""
    value = data.get(key, default)
    if not isinstance(value, bool):
        raise ControlError(f"{key} must be true or false")
    return value


def mapping_field(data: dict[str, Any], key: str) -> dict[str, Any]:
    """``data[key]`` as a JSON object (``{}`` when absent or null)."""
    value = data.get(key)
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise ControlError(f"{key} must be a JSON object")
    return value


def not_found(what: str) -> ControlError:
    """The 404 answer for a missing app, user, authorization…"""
    return ControlError(f"{what} not found", status=404, code="not_found")
