"""The settings reference lists every setting the parser accepts."""

from __future__ import annotations

from pathlib import Path

from djwechat.conf.parsing import SCHEMAS

DOC = Path(__file__).resolve().parent.parent / "docs" / "settings.md"


def test_every_setting_key_is_documented() -> None:
    text = DOC.read_text(encoding="utf-8")
    missing = [key for schema in SCHEMAS.values() for key in schema if f"| `{key}` |" not in text]
    assert missing == [], f"settings missing from docs/settings.md: {missing}"
