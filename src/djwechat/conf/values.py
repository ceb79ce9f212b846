"""Converters that turn raw setting values into typed ones, collecting problems instead of raising.

:mod:`djwechat.conf.parsing` derives each settings section's schema (``KEY -> (field,
converter)``) from its dataclass and parses it with :func:`section`; every problem found becomes a :class:`ConfigProblem`, which
the system checks report with its id.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Final

_RATE_RE: Final = re.compile(r"\A\d+/(s|sec|second|m|min|minute|h|hour|d|day)\Z")


@dataclass(frozen=True, slots=True)
class ConfigProblem:
    """One thing wrong with ``settings.WECHAT``: a system-check id, where, and what."""

    id: str
    path: str
    message: str
    hint: str | None = None

    def __str__(self) -> str:
        return f"WECHAT{self.path}: {self.message}"


#: ``(raw value, settings path, problems) -> typed value``; appends to ``problems`` on error.
Converter = Callable[[Any, str, list[ConfigProblem]], Any]


def str_value(value: Any, path: str, problems: list[ConfigProblem]) -> str:
    """A string."""
    if not isinstance(value, str):
        problems.append(ConfigProblem("djwechat.E003", path, f"must be a string, not {type(value).__name__}"))
        return ""
    return value


def optional_str(value: Any, path: str, problems: list[ConfigProblem]) -> str | None:
    """A string or ``None``."""
    return None if value is None else str_value(value, path, problems)


def bool_value(value: Any, path: str, problems: list[ConfigProblem]) -> bool:
    """``True`` or ``False`` (no truthy strings)."""
    if not isinstance(value, bool):
        problems.append(ConfigProblem("djwechat.E003", path, "must be True or False"))
        return False
    return value


def int_at_least(minimum: int) -> Converter:
    """A converter accepting integers of at least ``minimum`` (``bool`` is not an integer here)."""
    wanted = {0: "a non-negative integer", 1: "a positive integer"}.get(
        minimum, f"an integer of at least {minimum}"
    )

    def convert(value: Any, path: str, problems: list[ConfigProblem]) -> int:
        if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
            problems.append(ConfigProblem("djwechat.E003", path, f"must be {wanted}"))
            return minimum
        return value

    return convert


#: A non-negative integer.
int_value: Final = int_at_least(0)
#: An integer of at least 1.
positive_int: Final = int_at_least(1)


def float_value(value: Any, path: str, problems: list[ConfigProblem]) -> float:
    """A non-negative number, as a float."""
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        problems.append(ConfigProblem("djwechat.E003", path, "must be a non-negative number"))
        return 0.0
    return float(value)


def timedelta_value(value: Any, path: str, problems: list[ConfigProblem]) -> timedelta:
    """A ``timedelta``, or a number of seconds."""
    if isinstance(value, timedelta):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return timedelta(seconds=value)
    problems.append(ConfigProblem("djwechat.E003", path, "must be a timedelta or a number of seconds"))
    return timedelta(0)


def str_tuple(value: Any, path: str, problems: list[ConfigProblem]) -> tuple[str, ...]:
    """A list or tuple of strings, as a tuple."""
    if (
        isinstance(value, str)
        or not isinstance(value, list | tuple)
        or not all(isinstance(item, str) for item in value)
    ):
        problems.append(ConfigProblem("djwechat.E003", path, "must be a list or tuple of strings"))
        return ()
    return tuple(value)


def rate(value: Any, path: str, problems: list[ConfigProblem]) -> str | None:
    """A DRF-style rate (``"30/minute"``), or ``None`` / ``"none"`` to turn it off."""
    if value is None or (isinstance(value, str) and value.lower() == "none"):
        return None
    if not isinstance(value, str) or not _RATE_RE.match(value):
        problems.append(
            ConfigProblem("djwechat.E003", path, "must be a rate such as '30/minute', or None to turn it off")
        )
        return None
    return value


def choice(*choices: str) -> Converter:
    """A converter accepting one of ``choices``."""

    def convert(value: Any, path: str, problems: list[ConfigProblem]) -> str:
        if value not in choices:
            problems.append(
                ConfigProblem("djwechat.E003", path, f"must be one of {', '.join(choices)}, not {value!r}")
            )
            return choices[0]
        return str(value)

    return convert


def optional_choice(*choices: str) -> Converter:
    """A converter accepting one of ``choices``, or ``None``."""

    def convert(value: Any, path: str, problems: list[ConfigProblem]) -> str | None:
        if value is None:
            return None
        if value not in choices:
            problems.append(
                ConfigProblem(
                    "djwechat.E003", path, f"must be None or one of {', '.join(choices)}, not {value!r}"
                )
            )
            return None
        return str(value)

    return convert


def unknown_key_hint(key: Any, known: Iterable[str]) -> str:
    """The hint of an unknown key: the closest known key, if one is close, and every known key."""
    known = sorted(known)
    close = difflib.get_close_matches(str(key).upper(), known, n=1, cutoff=0.6)
    listing = f"known settings here: {', '.join(known)}"
    return f"Did you mean {close[0]!r}? {listing[0].upper()}{listing[1:]}." if close else listing


def section(
    raw: Any,
    path: str,
    schema: Mapping[str, tuple[str, Converter]],
    problems: list[ConfigProblem],
    *,
    siblings: Iterable[str] = (),
) -> dict[str, Any]:
    """Convert a settings dict with ``schema`` (KEY -> (field name, converter)); unknown keys are errors.

    ``siblings`` are other keys valid at this level (parsed elsewhere), for the "did you mean" hint.
    """
    if raw is None:
        return {}
    if not isinstance(raw, Mapping):
        problems.append(ConfigProblem("djwechat.E001", path, "must be a dict"))
        return {}
    values: dict[str, Any] = {}
    for key, value in raw.items():
        entry = schema.get(key)
        if entry is None:
            problems.append(
                ConfigProblem(
                    "djwechat.E002",
                    f"{path}[{key!r}]",
                    "unknown setting",
                    hint=unknown_key_hint(key, [*schema, *siblings]),
                )
            )
            continue
        name, convert = entry
        values[name] = convert(value, f"{path}[{key!r}]", problems)
    return values
