"""The example site under gunicorn, configured by environment as in production (``DEBUG=0``)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

from tests.reliability.services import need, wait_for_port

ROOT = Path(__file__).resolve().parents[2]
MP_APP_ID = "wxrel0mp0000000001"
MP_SECRET = "reliability-mp-secret-000000000001"


def site_environment(database_url: str, simulator_url: str, **extra: str) -> dict[str, str]:
    """The environment of a production-like example site whose WeChat is the simulator."""
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("DATABASE_URL", "REDIS_URL", "DJANGO_SETTINGS_MODULE")
    }
    env.update(
        DJANGO_SETTINGS_MODULE="example.settings",
        PYTHONPATH=os.pathsep.join(str(p) for p in (ROOT / "src", ROOT, ROOT / "example")),
        DEBUG="0",
        SECRET_KEY="reliability-secret-key-0123456789abcdefghijklmnopqrstuvwxyz",
        ALLOWED_HOSTS="127.0.0.1,localhost",
        DATABASE_URL=database_url,
        LOGIN_THROTTLE_RATE="none",
        WECHAT_API_BASE_URL=simulator_url,
        WECHAT_OPEN_BASE_URL=simulator_url,
        WECHAT_MP_APP_ID=MP_APP_ID,
        WECHAT_MP_APP_SECRET=MP_SECRET,
    )
    env.update(extra)
    return env


def manage(env: dict[str, str], *args: str) -> None:
    subprocess.run(
        [sys.executable, str(ROOT / "example" / "manage.py"), *args],
        env=env,
        check=True,
        capture_output=True,
        timeout=180,
    )


def _no_control_socket() -> list[str]:
    # gunicorn 27 opens a control socket at one fixed path per user: a second master would fight over it.
    from importlib.metadata import version

    return ["--no-control-socket"] if int(version("gunicorn").split(".")[0]) >= 27 else []


class Gunicorn:
    """``gunicorn example.wsgi`` with threaded workers on ``port``."""

    def __init__(self, port: int, env: dict[str, str], *, workers: int = 2, threads: int = 4) -> None:
        self.port = port
        self.url = f"http://127.0.0.1:{port}"
        binary = str(Path(sys.executable).with_name("gunicorn"))
        if not Path(binary).exists():
            binary = need("gunicorn")
        # A file, not a pipe: nothing reads stderr while the server runs, and a full pipe would
        # block every worker that logs.
        self._stderr = tempfile.TemporaryFile()  # noqa: SIM115 - closed in stop()
        self.process = subprocess.Popen(
            [binary, "example.wsgi", "-b", f"127.0.0.1:{port}", "-w", str(workers),
             "--worker-class", "gthread", "--threads", str(threads), "--timeout", "60",
             "--graceful-timeout", "5", *_no_control_socket()],
            env=env,
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=self._stderr,
        )  # fmt: skip
        wait_for_port(port, timeout=30)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                httpx.get(f"{self.url}/auth/me/", timeout=5)
                return
            except httpx.HTTPError:
                time.sleep(0.1)

    def worker_pids(self) -> list[int]:
        """The master's worker processes."""
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        return [int(pid) for pid in children.read_text().split()] if children.exists() else []

    def stop(self) -> str:
        """Stop the server; returns what it wrote to stderr."""
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self._stderr.seek(0)
        err = self._stderr.read()
        self._stderr.close()
        return err.decode(errors="replace")
