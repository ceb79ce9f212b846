"""The example site served for real, as ``make demo`` runs it, and a headless Chromium driving it.

The site runs ``example/manage.py wechat_demo --noreload`` in a subprocess (its own SQLite file and
database cache) against a simulator of its own, so no other test's ``sim.reset()`` can touch it.
Chromium is Debian's (``apt-get install chromium``), driven by Playwright; in CI (``CI`` set) a
missing browser fails these tests instead of skipping them.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from djwechat.simulator.server import SimulatorServer
from djwechat.simulator.state import SimulatorState
from djwechat.testing import SimulatorControl

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("DJWECHAT_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
)
#: Where to save screenshots of the logged-in pages (the docs' pictures); unset: nowhere.
SCREENSHOT_DIR = os.environ.get("DJWECHAT_SCREENSHOT_DIR")


def in_ci() -> bool:
    """Whether this is a CI run (``CI`` set to anything but empty, 0 or false)."""
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def unavailable(reason: str) -> None:
    """Fail in CI, skip elsewhere."""
    if in_ci():
        pytest.fail(f"{reason} - the browser tests must run in CI", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(autouse=True)
def _clean_state() -> Iterator[None]:
    """Replaces the suite's: these tests use neither this process's database nor its cache.

    (The suite's would empty the database cache while Playwright's event loop is running in this
    thread, which Django refuses as an async-unsafe call.)
    """
    from djwechat.conf import reset_settings

    reset_settings()
    yield
    reset_settings()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class DemoSite:
    """The running example site: its URL, and a control of its simulator."""

    url: str
    sim: SimulatorControl
    log: Path


@pytest.fixture(scope="session")
def demo_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DemoSite]:
    """``wechat_demo`` serving the example site on a free port, with its own simulator."""
    server = SimulatorServer("127.0.0.1", 0, state=SimulatorState(), hang_seconds=5).start()
    folder = tmp_path_factory.mktemp("demo-site")
    port = free_port()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "example.settings",
        "DATABASE_URL": f"sqlite:///{folder / 'site.sqlite3'}",
        "DEBUG": "1",
        "WECHAT_API_BASE_URL": server.url,
        "WECHAT_OPEN_BASE_URL": server.url,
        "LOGIN_THROTTLE_RATE": "none",
        "DJWECHAT_LOG_LEVEL": "WARNING",
    }
    env.pop("REDIS_URL", None)
    manage = [sys.executable, str(ROOT / "example" / "manage.py")]
    for command in (["migrate", "--noinput", "-v", "0"], ["createcachetable"]):
        subprocess.run([*manage, *command], env=env, cwd=ROOT, check=True, capture_output=True)
    log = folder / "site.log"
    with log.open("wb") as out:
        site = subprocess.Popen(
            [
                *manage,
                "wechat_demo",
                f"127.0.0.1:{port}",
                "--simulator",
                server.url,
                "--noreload",
                "--no-worker",
            ],
            env=env,
            cwd=ROOT,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            if site.poll() is not None:
                pytest.fail(f"the example site exited: {log.read_text()}")
            try:
                if httpx.get(url + "/", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"the example site did not come up: {log.read_text()}")
            time.sleep(0.1)
        with SimulatorControl(server.url) as control:
            yield DemoSite(url=url, sim=control, log=log)
    finally:
        site.terminate()
        try:
            site.wait(10)
        except subprocess.TimeoutExpired:
            site.kill()
        server.stop()


@pytest.fixture(scope="module")
def chromium() -> Iterator[Any]:
    """A headless Chromium (Debian's), through Playwright.

    Module-scoped on purpose: while Playwright runs, its event loop counts as running in this
    thread, and Django refuses database calls there; pytest closes it before a test of another
    module runs in this worker.
    """
    if not Path(CHROMIUM).exists():
        unavailable(f"Chromium is not installed at {CHROMIUM} (apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        unavailable("Playwright is not installed (pip install -e '.[test]')")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=list(CHROMIUM_FLAGS))
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def browser(chromium: Any) -> Iterator[Any]:
    """A fresh browser context (cookies and storage of its own) for one test."""
    context = chromium.new_context(viewport={"width": 900, "height": 720})
    context.set_default_timeout(15_000)
    try:
        yield context
    finally:
        context.close()


def screenshot(page: Any, name: str) -> None:
    """Save ``page`` as ``<SCREENSHOT_DIR>/<name>.png`` when screenshots were asked for."""
    if SCREENSHOT_DIR:
        Path(SCREENSHOT_DIR).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SCREENSHOT_DIR) / f"{name}.png"))
