"""The version is written once, and the changelog and the wheel's metadata agree with it."""

from __future__ import annotations

import re
from importlib.metadata import metadata, version
from pathlib import Path

import djwechat

ROOT = Path(__file__).resolve().parent.parent


def test_the_installed_version_is_the_package_version() -> None:
    assert version("djwechat") == djwechat.__version__
    assert not re.search(r"^version\s*=", (ROOT / "pyproject.toml").read_text(), re.M)


def test_the_changelog_starts_with_this_version() -> None:
    heading = re.search(r"^## \[([^\]]+)\]", (ROOT / "CHANGELOG.md").read_text(encoding="utf-8"), re.M)
    assert heading is not None
    assert heading[1] == djwechat.__version__


def test_the_classifiers_name_the_supported_versions() -> None:
    classifiers = set(metadata("djwechat").get_all("Classifier") or [])
    assert {"Framework :: Django :: 5.2", "Framework :: Django :: 6.1"} <= classifiers
    pythons = {
        c.rsplit(" ", 1)[1]
        for c in classifiers
        if re.fullmatch(r"Programming Language :: Python :: 3\.\d+", c)
    }
    assert pythons == {"3.11", "3.12", "3.13"}
