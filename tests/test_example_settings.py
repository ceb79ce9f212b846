"""The example site's settings: a development default for everything with ``DEBUG`` on (what
``make demo`` runs), and nothing published with ``DEBUG=0``."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
REAL_KEY = "a-real-secret-key-" + "x" * 40
PROBE = """
import json, logging, django
from django.conf import settings
django.setup()
logging.getLogger("django.request").error("Internal Server Error: /probe/")
print(json.dumps({
    "secret_key": settings.SECRET_KEY,
    "debug": settings.DEBUG,
    "wechat": {k: v for k, v in settings.WECHAT.items() if k != "JWT"},
}, default=str))
"""


def load(**environ: str) -> subprocess.CompletedProcess[str]:
    """Import ``example.settings`` in a fresh process with only ``environ`` set (plus paths)."""
    env = {
        k: v for k, v in os.environ.items() if not k.startswith(("WECHAT_", "DJANGO_", "DEBUG", "SECRET_KEY"))
    }
    env.update(
        PYTHONPATH=os.pathsep.join([str(ROOT / "src"), str(ROOT)]),
        DJANGO_SETTINGS_MODULE="example.settings",
        **environ,
    )
    return subprocess.run(
        [sys.executable, "-c", PROBE], env=env, capture_output=True, text=True, timeout=60, cwd=ROOT
    )


def loaded(**environ: str) -> dict[str, Any]:
    result = load(**environ)
    assert result.returncode == 0, result.stderr
    data: dict[str, Any] = json.loads(result.stdout)
    data["stderr"] = result.stderr
    return data


def test_development_defaults_are_unchanged() -> None:
    data = loaded()
    assert data["debug"] is True
    assert data["wechat"]["API_BASE_URL"] == data["wechat"]["OPEN_BASE_URL"] == "http://127.0.0.1:8900"
    assert set(data["wechat"]["APPS"]) == {"mp", "web", "oa"}


def test_without_debug_a_secret_key_is_required() -> None:
    for environ in ({"DEBUG": "0"}, {"DEBUG": "0", "SECRET_KEY": loaded()["secret_key"]}):
        result = load(**environ)
        assert result.returncode != 0
        assert "ImproperlyConfigured" in result.stderr
        assert "SECRET_KEY" in result.stderr


def test_without_debug_nothing_defaults_to_the_simulator_or_demo_credentials() -> None:
    data = loaded(DEBUG="0", SECRET_KEY=REAL_KEY)
    assert "API_BASE_URL" not in data["wechat"]  # djwechat's default: WeChat itself
    assert "OPEN_BASE_URL" not in data["wechat"]
    assert data["wechat"]["APPS"] == {}
    explicit = loaded(DEBUG="0", SECRET_KEY=REAL_KEY, WECHAT_API_BASE_URL="https://proxy.example.com")
    assert explicit["wechat"]["API_BASE_URL"] == "https://proxy.example.com"


def test_without_debug_an_app_needs_its_own_credentials() -> None:
    result = load(DEBUG="0", SECRET_KEY=REAL_KEY, WECHAT_OA_APP_ID="wxreal0a")
    assert result.returncode != 0
    assert "WECHAT_OA_APP_SECRET" in result.stderr
    data = loaded(
        DEBUG="0",
        SECRET_KEY=REAL_KEY,
        WECHAT_OA_APP_ID="wxreal0a",
        WECHAT_OA_APP_SECRET="real-secret",
        WECHAT_OA_TOKEN="real-token",
        WECHAT_OA_ENCODING_AES_KEY="Z" * 43,
    )
    oa = data["wechat"]["APPS"]["oa"]
    assert (oa["APP_ID"], oa["TOKEN"], oa["ENCODING_AES_KEY"]) == ("wxreal0a", "real-token", "Z" * 43)
    assert set(data["wechat"]["APPS"]) == {"oa"}


def test_without_debug_500s_are_logged() -> None:
    data = loaded(DEBUG="0", SECRET_KEY=REAL_KEY)
    assert "Internal Server Error: /probe/" in data["stderr"]
