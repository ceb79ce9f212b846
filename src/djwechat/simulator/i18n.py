"""The language of the simulator's pages: English, or Simplified Chinese for a browser that asks.

The QR page, the simulated phone, the consent screen and their error pages are seen by people in a
browser, so each speaks the language its request's ``Accept-Language`` prefers: Simplified Chinese
for ``zh``, ``zh-CN``, ``zh-Hans`` and the like, English otherwise (the default).  What imitates
WeChat is never translated: the API's ``errcode``/``errmsg`` JSON, and the Chinese texts WeChat's
own error page shows, which the pages quote as they are.  The control API under ``/_sim/`` answers
tools and stays English.

The translations are the stdlib's :mod:`gettext` reading the simulator's own compiled catalogue
(``locale/zh_Hans/LC_MESSAGES/simulator.mo`` beside this module; ``make messages`` compiles it),
not Django's translation machinery: ``python -m djwechat.simulator`` runs without any Django
settings, and inside a Django process (the pytest fixtures, ``wechat_demo``) the simulator serves
on threads of its own, where Django's active language is per-thread state that would have to be
set and undone on every request.  A :class:`Language` is an immutable value the page handlers pass
to the templates, so requests in different languages on concurrent threads cannot mix.
"""

from __future__ import annotations

import gettext
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from html import escape
from pathlib import Path
from typing import Final

__all__ = ["CHINESE", "ENGLISH", "LOCALE_DIR", "Language", "Text", "negotiate"]

#: Where the simulator's catalogues live: ``<LOCALE_DIR>/zh_Hans/LC_MESSAGES/simulator.mo``.
LOCALE_DIR: Final = Path(__file__).resolve().parent / "locale"
_DOMAIN: Final = "simulator"
# Chinese subtags that mean Traditional characters, which this catalogue is not (Django maps these
# to zh-hant too, for which djwechat has no translation either).
_TRADITIONAL: Final = frozenset({"hant", "tw", "hk", "mo"})


@dataclass(frozen=True)
class Language:
    """One language of the pages: its code (for ``<html lang>`` and ``Content-Language``) and catalogue."""

    code: str
    catalogue_name: str | None = None

    def gettext(self, message: str) -> str:
        """``message`` (an English msgid) in this language."""
        return _catalogue(self.catalogue_name).gettext(message)

    def markup(self, message: str, **values: object) -> str:
        """``message`` translated and HTML-escaped, with its ``%(name)s`` fields filled in, escaped too."""
        template = escape(self.gettext(message))
        return template % {name: escape(str(value)) for name, value in values.items()} if values else template


ENGLISH: Final = Language("en")
CHINESE: Final = Language("zh-hans", "zh_Hans")


@cache
def _catalogue(name: str | None) -> gettext.NullTranslations:
    if name is None:
        return gettext.NullTranslations()
    # No fallback: a wheel without the compiled catalogue should fail loudly, not turn English.
    return gettext.translation(_DOMAIN, LOCALE_DIR, languages=[name])


@dataclass(frozen=True)
class Text:
    """An English message and its ``%(name)s`` values, put into a language only when shown.

    ``str()`` is the English text (what the control API and logs say).
    """

    message: str
    values: Mapping[str, object] = field(default_factory=dict)

    def __str__(self) -> str:
        return self.message % self.values if self.values else self.message

    def in_language(self, language: Language) -> str:
        """The text in ``language`` (plain text: escape it for HTML)."""
        translated = language.gettext(self.message)
        return translated % self.values if self.values else translated


def negotiate(accept_language: str) -> Language:
    """The page language for an ``Accept-Language`` header (RFC 9110 §12.5.4).

    Ranges are taken by weight (``q``, default 1; ``q=0`` means "not this one"), in header order
    among equal weights; the first that is English or Simplified Chinese decides, and English is the
    answer when none is.
    """
    ranges: list[tuple[float, str]] = []
    for item in accept_language.split(",")[:32]:
        tag, _, parameters = item.strip().partition(";")
        weight = 1.0
        name, _, value = parameters.strip().partition("=")
        if name.strip().lower() == "q":
            try:
                weight = float(value)
            except ValueError:
                continue
        if weight > 0 and tag:
            ranges.append((weight, tag.strip().lower()))
    ranges.sort(key=lambda entry: -entry[0])  # stable: header order among equal weights
    for _weight, tag in ranges:
        primary, *subtags = tag.split("-")
        if primary in ("en", "*"):
            return ENGLISH
        if primary == "zh" and not _TRADITIONAL.intersection(subtags):
            return CHINESE
    return ENGLISH
