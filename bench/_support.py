"""What the served benchmarks share: free ports, child processes, a fresh database, the site's env."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable

#: The apps the benchmarks register with the simulator and give the example site, which with
#: DEBUG=0 takes no published default (so none of the demo secrets either).
MP_APP_ID, MP_SECRET = "wxdemo0mp000000001", "bench-mp-secret-000000000000001"
WEB_APP_ID, WEB_SECRET = "wxdemo0web00000001", "bench-web-secret-00000000000001"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def wait_until_up(url: str, deadline: float = 20.0) -> None:
    end = time.monotonic() + deadline
    while time.monotonic() < end:
        try:
            httpx.get(url, timeout=1.0)
            return
        except httpx.HTTPError:
            time.sleep(0.1)
    raise RuntimeError(f"{url} did not come up")


def bench_database(url: str, name: str) -> str:
    """A fresh PostgreSQL database of the benchmark's own (the example site's migrations)."""
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')
    return url.rsplit("/", 1)[0] + "/" + name


@contextmanager
def process(
    args: list[str], env: dict[str, str], log: Path, **options: Any
) -> Iterator[subprocess.Popen[bytes]]:
    with log.open("wb") as out:
        proc = subprocess.Popen(args, env=env, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT, **options)
    try:
        yield proc
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()


def site_env(tmp: Path, sim_url: str, db_name: str) -> tuple[dict[str, str], str]:
    """The example site's environment (SQLite file + database cache, or PostgreSQL + Redis when
    ``DATABASE_URL`` and ``REDIS_URL`` are set), migrated; and a label for the tables."""
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), str(ROOT)]),
        "DJANGO_SETTINGS_MODULE": "example.settings",
        "DEBUG": "0",
        "DJWECHAT_LOG_LEVEL": "WARNING",
        "LOGIN_THROTTLE_RATE": "none",
        "WECHAT_API_BASE_URL": sim_url,
        "WECHAT_OPEN_BASE_URL": sim_url,
        "DJANGO_ALLOW_ASYNC_UNSAFE": "1",
        "SECRET_KEY": "bench-" + os.urandom(24).hex(),
        "WECHAT_MP_APP_ID": MP_APP_ID,
        "WECHAT_MP_APP_SECRET": MP_SECRET,
        "WECHAT_WEB_APP_ID": WEB_APP_ID,
        "WECHAT_WEB_APP_SECRET": WEB_SECRET,
    }
    if os.environ.get("DATABASE_URL") and os.environ.get("REDIS_URL"):
        env["DATABASE_URL"] = bench_database(os.environ["DATABASE_URL"], db_name)
        label = "PostgreSQL + Redis"
    else:
        env["DATABASE_URL"] = f"sqlite:///{tmp / 'bench.sqlite3'}"
        env.pop("REDIS_URL", None)
        label = "SQLite file + database cache"
    manage = [PYTHON, str(ROOT / "example" / "manage.py")]
    subprocess.run([*manage, "migrate", "--noinput", "-v", "0"], env=env, cwd=ROOT, check=True)
    subprocess.run([*manage, "createcachetable"], env=env, cwd=ROOT, check=True)
    return env, label


def rss_kib(pid: int) -> int:
    """Resident memory of process ``pid`` in KiB (Linux ``/proc``)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def children(pid: int) -> list[int]:
    """Direct child processes of ``pid`` (gunicorn's workers)."""
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(p) for p in path.read_text().split()] if path.exists() else []


class RevisionWorker:
    """A benchmark script run as a worker on one source tree, driven line by line over a pipe.

    The worker prints ``ready`` once loaded, then answers each ``"<row> <calls>"`` line with the
    nanoseconds that many calls took.
    """

    def __init__(self, script: str, src: str, *extra: str) -> None:
        args = [sys.executable, script, "--worker", src, *extra]
        self.proc = subprocess.Popen(args, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, cwd=ROOT)
        assert self.proc.stdout is not None
        if self.proc.stdout.readline().strip() != "ready":
            raise RuntimeError(f"worker for {src} did not start")

    def run(self, row: str, calls: int) -> float:
        """Microseconds per call of ``row``."""
        assert self.proc.stdin is not None
        assert self.proc.stdout is not None
        self.proc.stdin.write(f"{row} {calls}\n")
        self.proc.stdin.flush()
        return int(self.proc.stdout.readline()) / calls / 1000

    def close(self) -> None:
        """End the worker (it exits when its input closes)."""
        assert self.proc.stdin is not None
        self.proc.stdin.close()
        self.proc.wait(timeout=30)
