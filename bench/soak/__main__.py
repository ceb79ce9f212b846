"""``python -m bench.soak``: the soak test (``make soak``; ``--faults`` for the fault schedule,
``--smoke`` for CI's short run).

Starts a private PostgreSQL cluster and Redis, the simulator, the example site under gunicorn
(configured as in production, its Official Account pointed at the simulator) and its task
worker; runs locust headless for ``--duration`` seconds; then checks the invariants and prints
the report (docs/reliability.md). Exits 1 on any unexpected answer or broken invariant.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from contextlib import suppress
from pathlib import Path

from bench.soak import verify
from djwechat.testing import SimulatorControl

# The private servers and the example site of the fault tests, imported by name: whether
# `tests` sorts as a first-party package depends on the checkout's folder.
_services = importlib.import_module("tests.reliability.services")
_site = importlib.import_module("tests.reliability.site")
PrivatePostgres, PrivateRedis, wait_for_port = (
    _services.PrivatePostgres,
    _services.PrivateRedis,
    _services.wait_for_port,
)
MP_APP_ID, MP_SECRET, ROOT, Gunicorn = _site.MP_APP_ID, _site.MP_SECRET, _site.ROOT, _site.Gunicorn
manage, site_environment = _site.manage, _site.site_environment

WEB_APP_ID, WEB_SECRET = "wxrel0web000000001", "reliability-web-secret-00000000001"
OA_APP_ID, OA_SECRET = "wxrel0oa0000000001", "reliability-oa-secret-000000000001"
OA_TOKEN, OA_AES_KEY = "reliability-oa-token", "reliabilityEncodingAESKey0123456789abcdefgh"
PASSWORD = "soak correct horse battery"


def parse() -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.soak", description=__doc__)
    parser.add_argument("--duration", type=int, default=180, help="seconds of traffic (default 180)")
    parser.add_argument("--users", type=int, default=24, help="concurrent locust users (default 24)")
    parser.add_argument(
        "--faults", action="store_true", help="Redis down 10 s, PostgreSQL restart, a worker killed"
    )
    parser.add_argument("--smoke", action="store_true", help="a short run for CI: 40 s, 8 users")
    parser.add_argument("--port-base", type=int, default=int(os.environ.get("SOAK_PORT_BASE", "18480")))
    parser.add_argument("--json", type=Path, help="also write the figures as JSON here")
    args = parser.parse_args()
    if args.smoke:
        args.duration, args.users = min(args.duration, 40), min(args.users, 8)
    return args


def start_simulator(port: int) -> subprocess.Popen[bytes]:
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    process = subprocess.Popen(
        [sys.executable, "-m", "djwechat.simulator", "--host", "127.0.0.1", "--port", str(port), "--quiet"],
        env=env,
        stdout=subprocess.DEVNULL,
    )
    wait_for_port(port)
    return process


def register(sim: SimulatorControl, site: str, people: int) -> None:
    sim.register_app(MP_APP_ID, MP_SECRET)
    sim.register_app(WEB_APP_ID, WEB_SECRET, type="website", redirect_domains=["127.0.0.1"])
    sim.register_app(
        OA_APP_ID, OA_SECRET, type="official_account", token=OA_TOKEN, encoding_aes_key=OA_AES_KEY,
        message_url=f"{site}/wechat/oa/", redirect_domains=["127.0.0.1"],
    )  # fmt: skip
    for number in range(people):
        sim.create_user(f"soak-{number}", nickname=f"Soak {number}")


class TaskWorker(threading.Thread):
    """``manage.py db_worker`` (late replies), started again whenever it exits, as a process
    supervisor would: it stops when its database connection breaks."""

    def __init__(self, env: dict[str, str]) -> None:
        super().__init__(daemon=True)
        self.env, self.restarts, self.done = env, 0, threading.Event()
        self.process: subprocess.Popen[bytes] | None = None

    def run(self) -> None:
        while not self.done.is_set():
            self.process = subprocess.Popen(
                [sys.executable, str(ROOT / "example" / "manage.py"), "db_worker", "--interval", "0.2"],
                env=self.env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            )  # fmt: skip
            self.process.wait()
            if not self.done.is_set():
                self.restarts += 1
                time.sleep(1)

    def stop(self) -> None:
        self.done.set()
        if self.process is not None:
            self.process.terminate()
            self.process.wait(15)


class TokenWatch(threading.Thread):
    """Collects every ``cgi-bin/stable_token`` call (the simulator keeps only its last 1000 calls)."""

    def __init__(self, sim: SimulatorControl) -> None:
        super().__init__(daemon=True)
        self.sim, self.seen, self.stop = sim, set[int](), threading.Event()

    def run(self) -> None:
        while not self.stop.wait(1.0):
            self.poll()

    def poll(self) -> None:
        with suppress(Exception):  # the simulator is not under test
            self.seen.update(
                call["id"] for call in self.sim.calls("/cgi-bin/stable_token") if call["fault"] is None
            )


def fault_schedule(
    duration: int,
    redis: PrivateRedis,
    postgres: PrivatePostgres,
    site: Gunicorn,
    log: list[str],
    kills: dict[int, float],
) -> None:
    """Redis down for 10 s at 20 % of the run, PostgreSQL restarted at 50 %, a worker killed at 75 %.

    ``kills`` gets the killed worker's pid and the Unix time of its kill: the pushes it was
    handling then may run again (bench/soak/handlings.py).
    """
    started = time.monotonic()

    def at(fraction: float) -> None:
        time.sleep(max(0.0, started + duration * fraction - time.monotonic()))

    at(0.2)
    redis.kill()
    log.append(f"{time.monotonic() - started:5.1f} s  Redis stopped")
    time.sleep(10)
    redis.start()
    log.append(f"{time.monotonic() - started:5.1f} s  Redis started again (empty)")
    at(0.5)
    postgres.restart()
    log.append(f"{time.monotonic() - started:5.1f} s  PostgreSQL restarted")
    at(0.75)
    workers = site.worker_pids()
    if workers:
        kills[workers[0]] = time.time()
        os.kill(workers[0], signal.SIGKILL)
        log.append(f"{time.monotonic() - started:5.1f} s  gunicorn worker {workers[0]} killed (SIGKILL)")


def main() -> int:
    args = parse()
    port = args.port_base
    people = max(8, args.users * 2)
    with tempfile.TemporaryDirectory(prefix="djwechat-soak-") as scratch:
        directory = Path(scratch)
        directory.chmod(0o755)  # PostgreSQL runs as its own user under it
        (directory / "redis").mkdir()
        (directory / "pg").mkdir()
        redis = PrivateRedis(port + 1, directory / "redis")
        postgres = PrivatePostgres(port + 2, directory / "pg")
        processes: list[subprocess.Popen[bytes]] = []
        site: Gunicorn | None = None
        worker: TaskWorker | None = None
        try:
            redis.start()
            postgres.init()
            postgres.start()
            simulator = start_simulator(port + 3)
            processes.append(simulator)
            sim = SimulatorControl(f"http://127.0.0.1:{port + 3}")
            site_url = f"http://127.0.0.1:{port}"
            runs = directory / "runs.jsonl"  # the "count" handler's journal
            register(sim, site_url, people)
            env = site_environment(
                postgres.url, sim.base_url, REDIS_URL=redis.url,
                WECHAT_WEB_APP_ID=WEB_APP_ID, WECHAT_WEB_APP_SECRET=WEB_SECRET,
                WECHAT_OA_APP_ID=OA_APP_ID, WECHAT_OA_APP_SECRET=OA_SECRET, WECHAT_OA_TOKEN=OA_TOKEN,
                WECHAT_OA_ENCODING_AES_KEY=OA_AES_KEY, WECHAT_OA_MODE="safe",
                WECHAT_SITE_URL=site_url, DJWECHAT_LOG_LEVEL="WARNING",
                DJANGO_SETTINGS_MODULE="bench.soak.settings", SOAK_HANDLINGS=str(runs),
            )  # fmt: skip
            manage(env, "migrate", "--noinput")
            manage(env, "createcachetable")
            script = (
                "from django.contrib.auth import get_user_model as g; U = g()\n"
                f"[U.objects.create_user(username=f'soak-pw-{{n}}', password={PASSWORD!r}) for n in range(20)]"
            )
            manage(env, "shell", "-c", script)
            worker = TaskWorker(env)
            worker.start()
            site = Gunicorn(port, env, workers=2, threads=8)
            watch = TokenWatch(sim)
            watch.start()
            ledger = directory / "ledger.jsonl"
            schedule: list[str] = []
            kills: dict[int, float] = {}
            if args.faults:
                threading.Thread(
                    target=fault_schedule,
                    args=(args.duration, redis, postgres, site, schedule, kills),
                    daemon=True,
                ).start()
            locust_env = {
                **os.environ,
                "SOAK_SIM_URL": sim.base_url, "SOAK_MP_APP_ID": MP_APP_ID, "SOAK_OA_APP_ID": OA_APP_ID,
                "SOAK_OA_TOKEN": OA_TOKEN, "SOAK_OA_AES_KEY": OA_AES_KEY, "SOAK_SIM_USERS": str(people),
                "SOAK_PASSWORD": PASSWORD, "SOAK_LEDGER": str(ledger), "SOAK_FAULTS": "1" if args.faults else "",
            }  # fmt: skip
            prefix = directory / "locust"
            subprocess.run(
                [sys.executable, "-m", "locust", "-f", str(ROOT / "bench" / "soak" / "locustfile.py"), "--headless",
                 "-u", str(args.users), "-r", str(args.users), "--run-time", f"{args.duration}s", "--host", site_url,
                 "--csv", str(prefix), "--only-summary", "--stop-timeout", "60", "--loglevel", "WARNING"],
                env=locust_env, cwd=ROOT, check=False, timeout=args.duration + 120,
            )  # fmt: skip
            # The last late replies (the "slow" handler takes 6 s) reach the simulator.
            verify.wait_for_late_replies(ledger, sim, OA_APP_ID, timeout=40)
            watch.poll()
            watch.stop.set()
            report = verify.check(
                stats=prefix.with_name("locust_stats.csv"),
                ledger=ledger,
                database_url=postgres.url,
                site=site_url,
                sim=sim,
                oa_app_id=OA_APP_ID,
                token_fetches=len(watch.seen),
                faults=args.faults,
                schedule=schedule
                + [f"task worker restarted {worker.restarts} time(s)"] * bool(worker.restarts),
                runs=runs,
                kills=kills,
            )
        finally:
            errors = site.stop() if site is not None else ""
            if worker is not None:
                worker.stop()
            for process in processes:
                process.terminate()
                process.wait(15)
            redis.kill()
            with suppress(subprocess.CalledProcessError):
                postgres.stop("immediate")
    print(verify.render(report, duration=args.duration, users=args.users, faults=args.faults))
    if args.json:
        args.json.write_text(json.dumps(report, indent=2))
    if report["unexpected"] and errors:
        print("gunicorn stderr (tail):\n" + errors[-3000:], file=sys.stderr)
    return 1 if report["unexpected"] or report["broken"] else 0


if __name__ == "__main__":
    sys.exit(main())
