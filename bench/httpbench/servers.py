"""gunicorn serving the benchmark site: start, wait, worker memory, stop."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[2]
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


@dataclass(frozen=True, slots=True)
class Config:
    """A gunicorn worker configuration."""

    name: str
    label: str
    args: tuple[str, ...]


CONFIGS: dict[str, Config] = {
    "sync": Config("sync", "2 sync workers", ("--workers", "2", "--worker-class", "sync")),
    "gthread": Config(
        "gthread",
        "2 gthread workers x 4 threads",
        ("--workers", "2", "--worker-class", "gthread", "--threads", "4"),
    ),
}


def _no_control_socket() -> list[str]:
    # gunicorn 27 opens a control socket at one fixed path per user: a second master (ours, or
    # anyone's on the machine) would fight over it.
    from importlib.metadata import version

    return ["--no-control-socket"] if int(version("gunicorn").split(".")[0]) >= 27 else []


class Gunicorn:
    """One gunicorn master and its workers, serving ``bench.site`` on ``port``."""

    def __init__(self, config: Config, port: int, env: dict[str, str]) -> None:
        self.config = config
        self.port = port
        self.url = f"http://127.0.0.1:{port}"
        command = [
            sys.executable,
            "-m",
            "gunicorn",
            *config.args,
            "--bind",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
            *_no_control_socket(),
            "bench.site.wsgi:application",
        ]
        self._process = subprocess.Popen(command, cwd=ROOT, env={**os.environ, **env})

    def wait_ready(self, timeout: float = 30.0) -> None:
        """Block until every worker has loaded the site (both answer the bare view)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise RuntimeError(f"gunicorn on port {self.port} exited with {self._process.returncode}")
            try:
                if (
                    httpx.get(f"{self.url}/bare/", timeout=1.0).status_code == 200
                    and len(self.workers()) == 2
                ):
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"gunicorn on port {self.port} did not start within {timeout:g} s")

    @property
    def pid(self) -> int:
        """The master's process id."""
        return self._process.pid

    def workers(self) -> list[int]:
        """Process ids of the workers."""
        children = Path(f"/proc/{self.pid}/task/{self.pid}/children")
        try:
            return [int(pid) for pid in children.read_text().split()]
        except OSError:
            return []

    def peak_rss_mib(self) -> list[float]:
        """Peak resident memory (``VmHWM``) of each worker so far, in MiB."""
        peaks = []
        for pid in self.workers():
            try:
                status = Path(f"/proc/{pid}/status").read_text()
            except OSError:
                continue
            for line in status.splitlines():
                if line.startswith("VmHWM:"):
                    peaks.append(int(line.split()[1]) / 1024)
        return peaks

    def cpu_split(self) -> tuple[float, float]:
        """User and system CPU seconds used so far by the workers (every thread)."""
        user = system = 0
        for pid in self.workers():
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
            except OSError:
                continue
            user += int(fields[11])  # utime and stime: fields 14 and 15 of proc(5)'s stat
            system += int(fields[12])
        return user / CLOCK_TICKS, system / CLOCK_TICKS

    def cpu_seconds(self) -> float:
        """User + system CPU seconds used so far by the workers."""
        return sum(self.cpu_split())

    def stop(self) -> None:
        """Stop the master (gracefully, then for good) and reap it."""
        if self._process.poll() is None:
            self._process.send_signal(signal.SIGTERM)
            try:
                self._process.wait(15)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait(5)
