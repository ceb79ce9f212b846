"""Website QR logins per second, end to end, through the served example site and the simulator.

One login is everything a browser, the phone and WeChat do, over loopback HTTP:

1. ``POST /auth/website/web/qr/`` (the page asks for a ticket);
2. ``GET connect/qrconnect?…`` at the simulator (the iframe shows the QR code);
3. ``POST /_sim/authorizations/<state>`` (the phone confirms as one of the fake users);
4. ``GET /auth/website/web/callback/?code&state`` (WeChat sends the iframe back: the code is
   exchanged at the simulator, ``sns/userinfo`` read, the pipeline run, a JWT session made);
5. ``POST /auth/website/web/qr/<ticket>/?wait=0`` (the page's poll takes the token pair).

Side by side, in interleaved rounds (``BENCH_ROUNDS``, default 3), the same site serves Mini
Program logins of the same users (mint a ``wx.login`` code untimed, then ``POST
/auth/miniprogram/mp/login/``): the ratio is what to read on a busy machine.  The users exist
before the timed rows (returning users).  The site runs under gunicorn (``BENCH_WORKERS`` sync
workers, default 2, ``LOGIN_THROTTLE_RATE=none``); the simulator is a separate process;
``BENCH_CLIENTS`` threads (default 4) log in for ``BENCH_SECONDS`` (default 5) per row and round.

Run: ``.venv/bin/python bench/bench_qr_login.py`` (SQLite file + database cache), or with
``DATABASE_URL`` and ``REDIS_URL`` for PostgreSQL (database ``djwechat_bench_qr_login``,
recreated) + Redis.
"""

from __future__ import annotations

import os
import statistics
import tempfile
import threading
import time
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx

from _support import (
    MP_APP_ID,
    MP_SECRET,
    PYTHON,
    WEB_APP_ID,
    WEB_SECRET,
    free_port,
    process,
    site_env,
    wait_until_up,
)

SECONDS = float(os.environ.get("BENCH_SECONDS", "5"))
CLIENTS = int(os.environ.get("BENCH_CLIENTS", "4"))
WORKERS = os.environ.get("BENCH_WORKERS", "2")
USERS = 20
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "3"))


def one_login(site: httpx.Client, sim: httpx.Client, user_id: str) -> tuple[float, float]:
    """A whole QR login; returns its duration and the callback's."""
    started = time.perf_counter()
    ticket = site.post("/auth/website/web/qr/").raise_for_status().json()
    authorize = ticket["authorize_url"].split("#", 1)[0]
    state = parse_qs(urlsplit(authorize).query)["state"][0]
    sim.get(authorize).raise_for_status()
    redirect = sim.post(f"/_sim/authorizations/{state}", json={"user_id": user_id}).raise_for_status()
    callback = urlsplit(redirect.json()["redirect"])
    begin = time.perf_counter()
    page = site.get(f"{callback.path}?{callback.query}")
    took_callback = time.perf_counter() - begin
    if page.status_code != 200:
        raise RuntimeError(f"callback answered {page.status_code}: {page.text[:200]}")
    poll = site.post(
        f"/auth/website/web/qr/{ticket['ticket']}/?wait=0", json={"poll_secret": ticket["poll_secret"]}
    )
    if poll.json().get("status") != "confirmed" or "access" not in poll.json():
        raise RuntimeError(f"poll answered {poll.text[:200]}")
    return time.perf_counter() - started, took_callback


def one_mp_login(site: httpx.Client, sim: httpx.Client, user_id: str) -> tuple[float, float]:
    """A Mini Program login (the code is minted first, untimed)."""
    code = (
        sim.post("/_sim/codes", json={"app_id": MP_APP_ID, "user_id": user_id})
        .raise_for_status()
        .json()["code"]
    )
    started = time.perf_counter()
    answer = site.post("/auth/miniprogram/mp/login/", json={"code": code})
    if answer.status_code != 200:
        raise RuntimeError(f"login answered {answer.status_code}: {answer.text[:200]}")
    took = time.perf_counter() - started
    return took, took


def run(site_url: str, sim_url: str, users: list[str], login: Any = one_login) -> dict[str, Any]:
    lock = threading.Lock()
    whole: list[float] = []
    callbacks: list[float] = []
    errors: list[str] = []
    stop_at = time.monotonic() + SECONDS

    def client(index: int) -> None:
        with (
            httpx.Client(base_url=site_url, timeout=30) as site,
            httpx.Client(base_url=sim_url, timeout=30) as sim,
        ):
            n = index
            while time.monotonic() < stop_at:
                try:
                    took, took_callback = login(site, sim, users[n % len(users)])
                except (RuntimeError, httpx.HTTPError) as exc:
                    with lock:
                        errors.append(str(exc)[:120])
                    continue
                finally:
                    n += CLIENTS
                with lock:
                    whole.append(took)
                    callbacks.append(took_callback)

    threads = [threading.Thread(target=client, args=(i,)) for i in range(CLIENTS)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - started
    ordered = sorted(whole)
    return {
        "logins": len(whole),
        "errors": errors,
        "per_second": len(whole) / elapsed,
        "p50_ms": statistics.median(ordered) * 1000,
        "p95_ms": ordered[int(len(ordered) * 0.95) - 1] * 1000,
        "callback_p50_ms": statistics.median(callbacks) * 1000,
    }


def main() -> int:
    tmp = Path(tempfile.mkdtemp(prefix="djwechat-bench-qr-"))
    sim_port, site_port = free_port(), free_port()
    sim_url, site_url = f"http://127.0.0.1:{sim_port}", f"http://127.0.0.1:{site_port}"
    env, label = site_env(tmp, sim_url, "djwechat_bench_qr_login")
    sim_cmd = [PYTHON, "-m", "djwechat.simulator", "--port", str(sim_port), "--quiet", "--allow-production"]
    gunicorn = [
        PYTHON, "-m", "gunicorn", "example.wsgi:application",
        "--bind", f"127.0.0.1:{site_port}", "--workers", WORKERS, "--log-level", "warning",
    ]  # fmt: skip
    with process(sim_cmd, env, tmp / "simulator.log"), process(gunicorn, env, tmp / "site.log"):
        wait_until_up(f"{sim_url}/_sim/apps")
        wait_until_up(f"{site_url}/auth/me/")
        with httpx.Client(base_url=sim_url, timeout=10) as sim:
            sim.post("/_sim/apps", json={"type": "miniprogram", "app_id": MP_APP_ID, "app_secret": MP_SECRET})
            sim.post(
                "/_sim/apps",
                json={
                    "type": "website",
                    "app_id": WEB_APP_ID,
                    "app_secret": WEB_SECRET,
                    "redirect_domains": ["127.0.0.1"],
                },
            ).raise_for_status()
            users = [
                sim.post("/_sim/users", json={"id": f"bench-{i}"}).json()["user"]["id"] for i in range(USERS)
            ]
        with (
            httpx.Client(base_url=site_url, timeout=30) as site,
            httpx.Client(base_url=sim_url, timeout=30) as sim,
        ):
            for user_id in users:  # first logins: the users exist from now on
                one_login(site, sim, user_id)
                one_mp_login(site, sim, user_id)
        rounds: dict[str, list[dict[str, Any]]] = {"qr": [], "mp": []}
        for _ in range(ROUNDS):
            rounds["qr"].append(run(site_url, sim_url, users))
            rounds["mp"].append(run(site_url, sim_url, users, one_mp_login))
    print(
        f"Logins end to end ({label}; gunicorn {WORKERS} sync workers, {CLIENTS} clients, simulator on "
        f"loopback; median of {ROUNDS} interleaved rounds of {SECONDS:.0f} s)"
    )
    print(f"{'row':<30} {'logins/s':>9} {'p50 ms':>8} {'p95 ms':>8} {'callback p50':>13} {'cost vs MP':>11}")
    keys = ("per_second", "p50_ms", "p95_ms", "callback_p50_ms")
    medians = {
        name: {k: statistics.median(r[k] for r in rows) for k in keys} for name, rows in rounds.items()
    }
    names = {"qr": "website QR login (5 requests)", "mp": "Mini Program login"}
    for name in ("qr", "mp"):
        row = medians[name]
        print(
            f"{names[name]:<30} {row['per_second']:>9.1f} {row['p50_ms']:>8.1f} {row['p95_ms']:>8.1f} "
            f"{row['callback_p50_ms']:>13.1f} {row['p50_ms'] / medians['mp']['p50_ms']:>10.2f}x"
        )
    errors = [e for rows in rounds.values() for r in rows for e in r["errors"]]
    if errors:
        print("errors:", errors[:5], f"(logs in {tmp})")
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
