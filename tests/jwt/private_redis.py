"""A redis-server of the test's own, to stop, snapshot and restore (never the shared Redis).

Each server takes the first free port from ``PORTS`` (the range this suite may use) and a data
directory of its own.  In CI
(``CI=1``) a missing ``redis-server`` fails the test instead of skipping it.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import redis

#: Ports the private servers may take (a port another server holds is skipped).
PORTS = range(18150, 18200)


def _free(port: int) -> bool:
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


class PrivateRedis:
    """One redis-server process on a port and directory of its own."""

    def __init__(self, directory: Path) -> None:
        self.port = 0
        self.directory = directory
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def client(self) -> redis.Redis:
        return redis.Redis(port=self.port, socket_timeout=2)

    def start(self) -> None:
        """Start the server (on the port it had, after a :meth:`stop`)."""
        if self.port:
            self._start()
            return
        for port in PORTS:
            if _free(port):
                self.port = port
                try:
                    self._start()
                    return
                except RuntimeError:
                    continue  # taken meanwhile
        raise RuntimeError("no free port for a private redis-server")

    def _start(self) -> None:
        self.proc = subprocess.Popen(
            [
                "redis-server",
                "--port", str(self.port),
                "--bind", "127.0.0.1",
                "--dir", str(self.directory),
                "--dbfilename", "dump.rdb",
                "--save", "",
                "--appendonly", "no",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )  # fmt: skip
        deadline = time.monotonic() + 10
        while True:
            try:
                # Ours, not another server that holds the port: never touch someone else's data.
                if self.client().info("server")["process_id"] == self.proc.pid:
                    return
                self.proc.wait(timeout=10)
                raise RuntimeError(f"port {self.port} is taken")
            except redis.ConnectionError:
                if time.monotonic() > deadline or self.proc.poll() is not None:
                    raise RuntimeError(f"redis-server did not start on port {self.port}") from None
                time.sleep(0.05)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=10)
        self.proc = None
        (self.directory / "dump.rdb").unlink(missing_ok=True)  # a restart starts empty

    def snapshot(self) -> bytes:
        """The server's whole contents now, as an RDB file."""
        self.client().save()
        return (self.directory / "dump.rdb").read_bytes()

    def restore(self, snapshot: bytes) -> None:
        """Restart the server with the contents of an earlier :meth:`snapshot`."""
        self.stop()
        (self.directory / "dump.rdb").write_bytes(snapshot)
        self.start()


def cache_settings(server: PrivateRedis) -> dict[str, Any]:
    """A Django cache on ``server`` that gives up fast when it is down."""
    return {
        "BACKEND": "django_redis.cache.RedisCache",
        "LOCATION": server.url,
        "OPTIONS": {"SOCKET_CONNECT_TIMEOUT": 0.5, "SOCKET_TIMEOUT": 0.5},
    }


@contextmanager
def private_redis(directory: Path) -> Iterator[PrivateRedis]:
    if shutil.which("redis-server") is None:
        message = "redis-server is not installed (apt-get install redis-server)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    server = PrivateRedis(directory)
    server.start()
    try:
        yield server
    finally:
        server.stop()
