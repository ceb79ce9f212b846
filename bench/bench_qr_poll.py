"""How many waiting QR-login polls one server process holds at once, and its memory.

Each row starts the example site as ONE worker process, creates tickets, then opens that many polls
at once (``POST /auth/website/web/qr/<ticket>/?wait=W``, nobody confirms, so every poll waits the
full ``W`` seconds and answers ``pending``).  A poll answered before 1.75 ``W`` was held while the
others waited; the rest queued behind them (they answer after 2 ``W`` or later).  Memory is the worker's resident set (``/proc``) with
the tickets made and no poll open, then while every poll it holds is waiting.

* ``uvicorn`` (ASGI, ``example.asgi``): the poll view is a coroutine;
* ``gunicorn gthread`` with ``BENCH_THREADS`` threads (default 32): a thread per waiting poll;
* ``gunicorn sync``: one poll at a time.

Run: ``.venv/bin/python bench/bench_qr_poll.py`` (SQLite file + database cache), or with
``DATABASE_URL`` and ``REDIS_URL`` for PostgreSQL (database ``djwechat_bench_qr_poll``) + Redis.
``BENCH_POLLS`` (default 1000) is the number of polls of the uvicorn row, ``BENCH_WAIT`` (default 8)
their wait.  Polls re-read the ticket about twice a second while they wait.
"""

from __future__ import annotations

import asyncio
import os
import resource
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

from _support import (
    PYTHON,
    WEB_APP_ID,
    WEB_SECRET,
    children,
    free_port,
    process,
    rss_kib,
    site_env,
    wait_until_up,
)

POLLS = int(os.environ.get("BENCH_POLLS", "1000"))
WAIT = float(os.environ.get("BENCH_WAIT", "8"))
THREADS = int(os.environ.get("BENCH_THREADS", "32"))


def threads_of(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("Threads:"):
            return int(line.split()[1])
    return 0


async def create_tickets(site: str, count: int) -> list[dict[str, Any]]:
    async with httpx.AsyncClient(base_url=site, timeout=60) as http:
        semaphore = asyncio.Semaphore(8)

        async def one() -> dict[str, Any]:
            async with semaphore:
                answer = await http.post("/auth/website/web/qr/")
                answer.raise_for_status()
                return dict(answer.json())

        return list(await asyncio.gather(*(one() for _ in range(count))))


async def hold(site: str, tickets: list[dict[str, Any]], worker: int) -> dict[str, Any]:
    limits = httpx.Limits(max_connections=len(tickets) + 8, max_keepalive_connections=0)
    async with httpx.AsyncClient(base_url=site, timeout=WAIT * 4 + 30, limits=limits) as http:
        started = time.monotonic()

        async def poll(ticket: dict[str, Any]) -> tuple[float, str]:
            answer = await http.post(
                f"/auth/website/web/qr/{ticket['ticket']}/?wait={WAIT:g}",
                json={"poll_secret": ticket["poll_secret"]},
            )
            status = (
                answer.json().get("status", answer.text[:60])
                if answer.status_code == 200
                else str(answer.status_code)
            )
            return time.monotonic() - started, status

        tasks = [asyncio.create_task(poll(t)) for t in tickets]
        await asyncio.sleep(WAIT / 2)
        waiting_rss, waiting_threads = rss_kib(worker), threads_of(worker)
        results = await asyncio.gather(*tasks)
    # Held at once: answered in the first wave (a queued poll only starts once one ahead of it ends).
    held = sum(1 for took, status in results if status == "pending" and took < WAIT * 1.75)
    bad = [status for _, status in results if status != "pending"]
    slowest = max(took for took, _ in results)
    return {
        "held": held,
        "waiting_rss": waiting_rss,
        "threads": waiting_threads,
        "bad": bad,
        "slowest": slowest,
    }


def row(
    name: str, command: list[str], env: dict[str, str], tmp: Path, port: int, polls: int
) -> dict[str, Any]:
    site = f"http://127.0.0.1:{port}"

    def raise_fd_limit() -> None:
        hard = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))

    with process(command, env, tmp / f"{name.split()[0]}.log", preexec_fn=raise_fd_limit) as proc:
        wait_until_up(f"{site}/auth/me/")
        worker = (children(proc.pid) or [proc.pid])[0]
        tickets = asyncio.run(create_tickets(site, polls))
        time.sleep(0.5)
        idle_rss, idle_threads = rss_kib(worker), threads_of(worker)
        result = asyncio.run(hold(site, tickets, worker))
    per_poll = (result["waiting_rss"] - idle_rss) / max(1, result["held"])
    return {
        "name": name,
        "polls": polls,
        "idle_rss": idle_rss,
        "idle_threads": idle_threads,
        "per_poll": per_poll,
        **result,
    }


def main() -> int:
    hard = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    tmp = Path(tempfile.mkdtemp(prefix="djwechat-bench-poll-"))
    sim_port = free_port()
    env, label = site_env(tmp, f"http://127.0.0.1:{sim_port}", "djwechat_bench_qr_poll")
    sim_cmd = [PYTHON, "-m", "djwechat.simulator", "--port", str(sim_port), "--quiet", "--allow-production"]
    rows = []
    with process(sim_cmd, env, tmp / "simulator.log"):
        wait_until_up(f"http://127.0.0.1:{sim_port}/_sim/apps")
        httpx.post(
            f"http://127.0.0.1:{sim_port}/_sim/apps",
            json={"type": "website", "app_id": WEB_APP_ID, "app_secret": WEB_SECRET},
        ).raise_for_status()
        for name, polls, build in (
            ("uvicorn (ASGI), 1 process", POLLS, lambda port: [
                PYTHON, "-m", "uvicorn", "example.asgi:application", "--host", "127.0.0.1", "--port", str(port),
                "--log-level", "warning", "--no-access-log", "--backlog", "4096",
            ]),
            (f"gunicorn gthread, 1 worker x {THREADS} threads", 2 * THREADS, lambda port: [
                PYTHON, "-m", "gunicorn", "example.wsgi:application", "--bind", f"127.0.0.1:{port}",
                "--workers", "1", "--worker-class", "gthread", "--threads", str(THREADS), "--log-level", "warning",
                "--timeout", "120",
            ]),
            ("gunicorn sync, 1 worker", 2, lambda port: [
                PYTHON, "-m", "gunicorn", "example.wsgi:application", "--bind", f"127.0.0.1:{port}",
                "--workers", "1", "--log-level", "warning", "--timeout", "120",
            ]),
        ):  # fmt: skip
            port = free_port()
            rows.append(row(name, build(port), env, tmp, port, polls))
    print(f"Waiting QR polls held by one worker process ({label}; wait={WAIT:g} s)")
    print(
        f"{'server':<40} {'polls':>6} {'held at once':>13} {'RSS idle MiB':>13} {'RSS waiting MiB':>16} "
        f"{'KiB per poll':>13} {'threads idle/waiting':>21} {'last answer s':>14}"
    )
    for r in rows:
        print(
            f"{r['name']:<40} {r['polls']:>6} {r['held']:>13} {r['idle_rss'] / 1024:>13.1f} "
            f"{r['waiting_rss'] / 1024:>16.1f} {r['per_poll']:>13.1f} {r['idle_threads']:>10}/{r['threads']:<10} "
            f"{r['slowest']:>14.1f}"
        )
    bad = [status for r in rows for status in r["bad"]]
    if bad:
        print(f"unexpected answers: {bad[:10]} (logs in {tmp})")
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
