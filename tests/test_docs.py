"""The docs stay true: every setting documented, the quickstart's snippets those the suite runs."""

from __future__ import annotations

from pathlib import Path

from django.test import override_settings

from djwechat.conf.parsing import SCHEMAS
from tests.fresh_project.support import snippets

DOC = Path(__file__).resolve().parent.parent / "docs" / "settings.md"


def test_every_setting_key_is_documented() -> None:
    text = DOC.read_text(encoding="utf-8")
    missing = [key for schema in SCHEMAS.values() for key in schema if f"| `{key}` |" not in text]
    assert missing == [], f"settings missing from docs/settings.md: {missing}"


def test_the_quickstart_shows_the_readme_snippets_unchanged() -> None:
    readme = snippets("README.md", "## Use it in a project")
    quickstart = snippets("docs/quickstart.md", "## Settings")
    assert len(readme) == 3
    assert [block for block in readme if block not in quickstart] == []


def test_the_e009_hint_names_a_guide_that_exists() -> None:
    from djwechat.checks import check_wechat_settings

    apps = ["django.contrib.contenttypes", "django.contrib.auth", "example.users", "djwechat"]
    with override_settings(INSTALLED_APPS=apps):
        (message,) = [m for m in check_wechat_settings() if m.id == "djwechat.E009"][:1]
    guide = (message.hint or "").split()[1]
    assert (DOC.parent.parent / guide).is_file(), guide
