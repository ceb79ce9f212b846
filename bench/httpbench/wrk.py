"""Running ``wrk`` with ``feed.lua`` and reading its figures."""

from __future__ import annotations

import json
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

FEED = Path(__file__).resolve().parent / "feed.lua"


@dataclass(frozen=True, slots=True)
class WrkResult:
    """What one wrk run measured."""

    requests: int
    seconds: float
    non2xx: int
    socket_errors: int
    p50_ms: float
    p99_ms: float
    #: Times a connection ran out of its lines and started over (pushes would then repeat).
    wraps: int
    #: CPU time of the server's workers (user + system, all threads) per completed request.
    cpu_us_per_request: float = 0.0

    @property
    def rps(self) -> float:
        """Completed requests per second."""
        return self.requests / self.seconds if self.seconds else 0.0


def wrk_binary() -> str:
    """The path of ``wrk``; exits with the way to install it when it is missing."""
    found = shutil.which("wrk")
    if found is None:
        raise SystemExit("wrk is not installed: apt-get install wrk (make bench-http does it)")
    return found


def run(url: str, requests_file: Path, *, seconds: int, connections: int, threads: int = 1) -> WrkResult:
    """Drive ``url`` for ``seconds`` (whole seconds: wrk takes no fraction) with ``requests_file``."""
    command = [
        wrk_binary(),
        f"-t{threads}",
        f"-c{connections}",
        f"-d{max(seconds, 1)}s",
        "--timeout",
        "10s",
        "-s",
        str(FEED),
        url,
        "--",
        str(requests_file),
        str(threads),
    ]
    done = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 60, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"wrk failed ({done.returncode}): {done.stderr.strip() or done.stdout.strip()}")
    for line in done.stdout.splitlines():
        if line.startswith("WRK_JSON "):
            data = json.loads(line.removeprefix("WRK_JSON "))
            break
    else:
        raise RuntimeError(f"wrk printed no summary:\n{done.stdout}\n{done.stderr}")
    return WrkResult(
        requests=data["requests"],
        seconds=data["duration_us"] / 1e6,
        non2xx=data["non2xx"],
        socket_errors=data["connect_errors"] + data["read_errors"] + data["write_errors"] + data["timeouts"],
        p50_ms=data["p50_us"] / 1000,
        p99_ms=data["p99_us"] / 1000,
        wraps=data["wraps"],
    )
