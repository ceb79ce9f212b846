"""The settings reference lists every setting the parser accepts."""

from __future__ import annotations

from pathlib import Path

from djwechat import conf

DOC = Path(__file__).resolve().parent.parent / "docs" / "settings.md"


def test_every_setting_key_is_documented() -> None:
    text = DOC.read_text(encoding="utf-8")
    schemas = [
        conf._TOP_SCHEMA,
        conf._APP_SCHEMA,
        conf._JWT_SCHEMA,
        conf._LOGIN_SCHEMA,
        conf._MESSAGES_SCHEMA,
        conf._CLIENT_SCHEMA,
    ]
    missing = [key for schema in schemas for key in schema if f"| `{key}` |" not in text]
    assert missing == [], f"settings missing from docs/settings.md: {missing}"
