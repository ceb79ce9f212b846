"""Reading a gettext ``.po`` catalogue in tests (the stdlib reads only compiled ``.mo`` files)."""

from __future__ import annotations

import ast
import re

__all__ = ["po_entries"]


def po_entries(text: str) -> dict[str, str]:
    """msgid → msgstr (the first form of a plural) of a .po file, header left out."""
    entries: dict[str, str] = {}

    def joined(block: str) -> str:
        return "".join(ast.literal_eval(f'"{part}"') for part in re.findall(r'"((?:[^"\\]|\\.)*)"', block))

    for entry in text.split("\n\n"):
        found = re.search(
            r'^msgid ((?:".*"\n)+)(?:msgid_plural (?:".*"\n)+)?msgstr(?:\[0\])? ((?:".*"\n?)+)',
            entry + "\n",
            re.M,
        )
        if found and joined(found[1]):
            entries[joined(found[1])] = joined(found[2])
    return entries
