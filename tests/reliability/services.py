"""Private Redis and PostgreSQL servers for the fault tests: their own port and data directory.

The shared servers of the suite (and of everyone else on the machine) are never stopped; these
are started by the test that breaks them. A tool that is missing skips the test on a developer's
machine and fails it in CI (``CI`` set), where every fault test must run.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from glob import glob
from pathlib import Path

import pytest

#: This checkout's ports for private servers: 18450-18499, ten per pytest-xdist worker.
BASE_PORT = int(os.environ.get("DJWECHAT_FAULT_PORT_BASE", "18450"))


def need(tool: str) -> str:
    """The path of ``tool``; skips the test without it, or fails it in CI."""
    path = shutil.which(tool) or next(iter(sorted(glob(f"/usr/lib/postgresql/*/bin/{tool}"))), None)
    if path is None:
        message = f"{tool} is not installed"
        if os.environ.get("CI"):
            pytest.fail(f"{message}: the fault tests must run in CI", pytrace=False)
        pytest.skip(message)
    return path


def port(offset: int) -> int:
    """A port of this worker's own range (``offset`` 0-9)."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw")
    return BASE_PORT + 10 * (int(worker) if worker.isdigit() else 0) + offset


def wait_for_port(number: int, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", number), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.05)
    raise TimeoutError(f"nothing listens on 127.0.0.1:{number}")


class PrivateRedis:
    """A ``redis-server`` on its own port, without persistence, that a test may stop and start."""

    def __init__(self, number: int, directory: Path) -> None:
        self.port = number
        self.directory = directory
        self.binary = need("redis-server")
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [self.binary, "--port", str(self.port), "--bind", "127.0.0.1", "--dir", str(self.directory),
             "--save", "", "--appendonly", "no", "--logfile", str(self.directory / "redis.log")],
            stdout=subprocess.DEVNULL,
        )  # fmt: skip
        wait_for_port(self.port)

    def kill(self) -> None:
        """Stop at once, as a crash would (connections are refused from now on)."""
        if self.process is not None:
            self.process.kill()
            self.process.wait(10)
            self.process = None

    def freeze(self) -> None:
        """SIGSTOP: connections are accepted and never answered, like a wedged server or a lost route."""
        assert self.process is not None
        self.process.send_signal(signal.SIGSTOP)

    def thaw(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGCONT)


@contextmanager
def private_redis(offset: int = 0) -> Iterator[PrivateRedis]:
    with tempfile.TemporaryDirectory(prefix="djwechat-redis-") as directory:
        server = PrivateRedis(port(offset), Path(directory))
        server.start()
        try:
            yield server
        finally:
            if server.process is not None:
                server.thaw()
            server.kill()


class PrivatePostgres:
    """A PostgreSQL cluster of its own (``initdb`` into a temporary directory, trust auth).

    PostgreSQL refuses to run as root: as root the cluster belongs to the ``postgres`` user and
    every command runs through ``runuser``.
    """

    def __init__(self, number: int, directory: Path) -> None:
        self.port = number
        self.data = directory / "data"
        self.pg_ctl = need("pg_ctl")
        self.initdb = need("initdb")
        self.as_user: list[str] = []
        if os.geteuid() == 0:
            self.as_user = [need("runuser"), "-u", "postgres", "--"]
            shutil.chown(directory, "postgres")

    @property
    def url(self) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, *command: str) -> None:
        subprocess.run([*self.as_user, *command], check=True, capture_output=True, timeout=120)

    def init(self) -> None:
        self._run(
            self.initdb, "-D", str(self.data), "-U", "postgres", "--auth=trust", "--no-sync", "-E", "UTF8"
        )

    def start(self) -> None:
        options = f"-p {self.port} -k {self.data} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._run(
            self.pg_ctl, "-D", str(self.data), "-o", options, "-l", str(self.data / "log"), "-w", "start"
        )

    def stop(self, mode: str = "fast") -> None:
        self._run(self.pg_ctl, "-D", str(self.data), "-m", mode, "-w", "stop")

    def restart(self) -> None:
        """Stop (closing every connection) and start again: what a failover or an upgrade does."""
        self.stop()
        self.start()


@contextmanager
def private_postgres(offset: int = 1) -> Iterator[PrivatePostgres]:
    with tempfile.TemporaryDirectory(prefix="djwechat-pg-") as directory:
        server = PrivatePostgres(port(offset), Path(directory))
        server.init()
        server.start()
        try:
            yield server
        finally:
            with suppress(subprocess.CalledProcessError):  # already stopped
                server.stop("immediate")
