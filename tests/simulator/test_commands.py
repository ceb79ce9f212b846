"""``python -m djwechat.simulator``, ``manage.py wechat_simulator`` and ``manage.py wechat_push``."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest
from django.core.management import CommandError, call_command

from djwechat.simulator.safety import ALLOW_ENV, SimulatorRefusedError, ensure_allowed

from .oa_endpoint import AES_KEY, APP_ID, TOKEN, Endpoint

ROOT = Path(__file__).resolve().parents[2]


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DJANGO_SETTINGS_MODULE", ALLOW_ENV)}
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT / "src"), str(ROOT)])
    env.update(extra)
    return env


def test_refuses_to_start_when_debug_is_off(settings: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(ALLOW_ENV, raising=False)
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG = False"):
        call_command("wechat_simulator", "--port", "0")
    with pytest.raises(SimulatorRefusedError):
        ensure_allowed()
    ensure_allowed(allow_production=True)
    monkeypatch.setenv(ALLOW_ENV, "1")
    ensure_allowed()


def test_module_refuses_with_production_settings() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "djwechat.simulator", "--port", "0"],
        env=_env(DJANGO_SETTINGS_MODULE="tests.settings"),
        capture_output=True,
        text=True,
        timeout=30,
        cwd=ROOT,
    )
    assert result.returncode == 2
    assert "DEBUG = False" in result.stderr


def test_module_serves_real_http() -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "djwechat.simulator", "--port", "0", "--quiet"],
        env=_env(),
        stdout=subprocess.PIPE,
        text=True,
        cwd=ROOT,
    )
    try:
        assert process.stdout is not None
        banner = process.stdout.readline()
        url = banner.split()[3]
        assert url.startswith("http://127.0.0.1:")
        assert (
            httpx.post(
                f"{url}/_sim/apps", json={"type": "website", "app_id": "wx1", "app_secret": "s"}
            ).status_code
            == 201
        )
        assert httpx.get(f"{url}/_sim/apps").json()["apps"][0]["app_id"] == "wx1"
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture
def oa_settings(settings: Any, endpoint: Endpoint) -> Endpoint:
    settings.WECHAT = {
        **settings.WECHAT,
        "APPS": {
            "oa": {
                "TYPE": "official_account",
                "APP_ID": APP_ID,
                "APP_SECRET": "s",
                "TOKEN": TOKEN,
                "ENCODING_AES_KEY": AES_KEY,
                "MESSAGE_MODE": "safe",
            },
            "mp": {"TYPE": "miniprogram", "APP_ID": "wxmp", "APP_SECRET": "s"},
        },
    }
    return endpoint


def _push(*args: str) -> str:
    out = io.StringIO()
    call_command("wechat_push", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def test_wechat_push(oa_settings: Endpoint) -> None:
    url = oa_settings.url
    assert "handshake ok" in _push("--url", url, "--handshake")
    text = _push("--url", url, "--text", "hi there")
    assert "safe mode" in text
    assert "encrypted reply, decrypted" in text
    assert "echo: hi there" in text
    assert "echo: MENU" in _push("--url", url, "--click", "MENU", "--mode", "plain")
    assert "echo: subscribe" in _push("--url", url, "--event", "subscribe", "--mode", "compatible")
    oa_settings.reply = "success"
    assert "acknowledged" in _push("--url", url, "--text", "x")


def test_wechat_push_errors(oa_settings: Endpoint) -> None:
    with pytest.raises(CommandError, match="no official_account app"):
        _push("--app", "mp", "--url", oa_settings.url, "--text", "x")
    with pytest.raises(CommandError, match=r"no answer|connection failed"):
        _push("--url", "http://127.0.0.1:9/", "--text", "x", "--timeout", "0.5", "--retries", "0")
    oa_settings.reply = "plain-in-safe"
    with pytest.raises(CommandError, match="must be encrypted"):
        _push("--url", oa_settings.url, "--text", "x")


def test_wechat_push_defaults_to_the_message_endpoint_at_site_url(
    oa_settings: Endpoint, settings: Any
) -> None:
    base = oa_settings.url.rstrip("/")
    settings.WECHAT = {**settings.WECHAT, "SITE_URL": base}
    text = _push("--text", "hi there")
    assert f"POST {base}/wechat/oa/ (safe mode)" in text  # the path comes from the URLconf
    assert "echo: hi there" in text


@pytest.mark.django_db(transaction=True)
def test_wechat_push_prints_the_error_body_of_a_4xx(oa_settings: Endpoint, live_server: Any) -> None:
    err = io.StringIO()
    with pytest.raises(CommandError, match="HTTP 404"):
        call_command("wechat_push", "--url", f"{live_server.url}/wechat/nope/", "--text", "x", stderr=err)
    assert '"code":"app_not_found"' in err.getvalue().replace(" ", "")
