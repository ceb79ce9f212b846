"""Mini Program logins per second for returning users, served vs in-process.

Two rows, the same flow (``POST /auth/miniprogram/mp/login/`` with a fresh ``wx.login`` code:
``jscode2session`` at the simulator over loopback HTTP, the pipeline, a new JWT session):

* ``gunicorn, 2 workers``  - the example site served by gunicorn (2 sync workers,
  ``LOGIN_THROTTLE_RATE=none``), driven by ``BENCH_CLIENTS`` client threads over HTTP;
* ``in-process, 1 thread`` - Django's test client in this process against the same database,
  cache and simulator: no HTTP server, no socket to the site.

The ratio column compares the cost per login (median latency) with the in-process row, so it
shows what serving over HTTP adds; throughput depends on the machine and everything else on it.

Codes are minted at the simulator before each row (a code is single use), so minting is not
measured.  Each row stops after ``BENCH_SECONDS`` (default 5) or when its codes run out.

Run: ``.venv/bin/python bench/bench_mp_login.py`` (a temporary SQLite file + the database
cache).  With ``DATABASE_URL`` and ``REDIS_URL`` set it uses PostgreSQL (database
``BENCH_DB_NAME``, default ``djwechat_bench_mp_login``, recreated) + Redis instead.
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import httpx

from _support import MP_APP_ID, MP_SECRET, PYTHON, ROOT, free_port, process, site_env, wait_until_up

SECONDS = float(os.environ.get("BENCH_SECONDS", "5"))
CLIENTS = int(os.environ.get("BENCH_CLIENTS", "4"))
USERS = 20
#: Codes minted per row: more than a row can use in BENCH_SECONDS on a small machine.
CODES = int(os.environ.get("BENCH_CODES", "1500"))


def mint(sim: httpx.Client, user_ids: list[str], count: int) -> list[str]:
    return [
        sim.post("/_sim/codes", json={"app_id": MP_APP_ID, "user_id": user_ids[i % len(user_ids)]}).json()[
            "code"
        ]
        for i in range(count)
    ]


def summary(name: str, latencies: list[float], elapsed: float, errors: int) -> dict[str, Any]:
    ordered = sorted(latencies)
    return {
        "name": name,
        "logins": len(latencies),
        "errors": errors,
        "per_second": len(latencies) / elapsed if elapsed else 0.0,
        "p50_ms": statistics.median(ordered) * 1000 if ordered else 0.0,
        "p95_ms": ordered[int(len(ordered) * 0.95) - 1] * 1000 if ordered else 0.0,
    }


failures: dict[str, int] = {}


def run_served(site: str, codes: list[str]) -> dict[str, Any]:
    """``CLIENTS`` threads POSTing codes to the served site until time or codes run out."""
    lock = threading.Lock()
    latencies: list[float] = []
    errors = [0]
    stop_at = time.monotonic() + SECONDS

    def describe(response: httpx.Response) -> str:
        try:
            return f"{response.status_code} {response.json()['error']['code']}"
        except (ValueError, KeyError, TypeError):
            return f"{response.status_code} {response.text[:80]!r}"

    def client() -> None:
        with httpx.Client(base_url=site, timeout=30) as http:
            while time.monotonic() < stop_at:
                with lock:
                    if not codes:
                        return
                    code = codes.pop()
                started = time.perf_counter()
                response = http.post("/auth/miniprogram/mp/login/", json={"code": code})
                took = time.perf_counter() - started
                with lock:
                    if response.status_code == 200 and response.json()["is_new_user"] is False:
                        latencies.append(took)
                    else:
                        errors[0] += 1
                        failures[describe(response)] = failures.get(describe(response), 0) + 1

    threads = [threading.Thread(target=client) for _ in range(CLIENTS)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return summary(
        f"gunicorn, 2 workers, {CLIENTS} clients", latencies, time.monotonic() - started, errors[0]
    )


def run_in_process(env: dict[str, str], codes: list[str]) -> dict[str, Any]:
    """The same requests through Django's test client, in this process."""
    os.environ.update(env)
    sys.path[:0] = [str(ROOT / "src"), str(ROOT)]
    import django

    django.setup()
    from django.test import Client

    client = Client()
    latencies: list[float] = []
    errors = 0
    stop_at = time.monotonic() + SECONDS
    started = time.monotonic()
    while codes and time.monotonic() < stop_at:
        code = codes.pop()
        begin = time.perf_counter()
        response = client.post("/auth/miniprogram/mp/login/", {"code": code}, content_type="application/json")
        took = time.perf_counter() - begin
        if response.status_code == 200 and response.json()["is_new_user"] is False:
            latencies.append(took)
        else:
            errors += 1
    return summary("in-process test client, 1 thread", latencies, time.monotonic() - started, errors)


def main() -> int:
    tmp = Path(tempfile.mkdtemp(prefix="djwechat-bench-"))
    sim_port, site_port = free_port(), free_port()
    sim_url, site_url = f"http://127.0.0.1:{sim_port}", f"http://127.0.0.1:{site_port}"
    env, label = site_env(tmp, sim_url, os.environ.get("BENCH_DB_NAME", "djwechat_bench_mp_login"))

    sim_cmd = [PYTHON, "-m", "djwechat.simulator", "--port", str(sim_port), "--quiet", "--allow-production"]
    gunicorn = [
        PYTHON, "-m", "gunicorn", "example.wsgi:application",
        "--bind", f"127.0.0.1:{site_port}", "--workers", "2", "--log-level", "warning",
    ]  # fmt: skip
    site_log = tmp / "site.log"
    with (
        process(sim_cmd, env, tmp / "simulator.log"),
        process(gunicorn, env, site_log),
        httpx.Client(base_url=sim_url, timeout=10) as sim,
    ):
        wait_until_up(f"{sim_url}/_sim/apps")
        wait_until_up(f"{site_url}/auth/me/")
        sim.post("/_sim/apps", json={"type": "miniprogram", "app_id": MP_APP_ID, "app_secret": MP_SECRET})
        users = [
            sim.post("/_sim/users", json={"id": f"bench-{i}"}).json()["user"]["id"] for i in range(USERS)
        ]
        with httpx.Client(base_url=site_url, timeout=30) as http:  # first logins: the users exist from now on
            for code in mint(sim, users, USERS):
                http.post("/auth/miniprogram/mp/login/", json={"code": code}).raise_for_status()
        served = run_served(site_url, mint(sim, users, CODES))
        local = run_in_process(env, mint(sim, users, CODES))

    base = local["p50_ms"] or 1.0
    print(f"Mini Program login, returning users ({label}; simulator on loopback; {SECONDS:.0f} s per row)")
    print(
        f"{'row':<36} {'logins':>7} {'errors':>6} {'logins/s':>9} {'p50 ms':>8} {'p95 ms':>8} {'cost vs in-process':>19}"
    )
    for row in (local, served):
        print(
            f"{row['name']:<36} {row['logins']:>7} {row['errors']:>6} {row['per_second']:>9.1f} "
            f"{row['p50_ms']:>8.1f} {row['p95_ms']:>8.1f} {row['p50_ms'] / base:>18.2f}x"
        )
    if served["errors"] or local["errors"]:
        print(f"errors: {failures}; see {site_log}")
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
