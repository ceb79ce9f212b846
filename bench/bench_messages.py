"""Requests per second of the Official Account message endpoint, next to a plain Django view.

One gunicorn (2 sync workers, SQLite + local-memory cache, DEBUG off) serves three URLs of the
same site, and a load generator in a separate process drives each one in turn over loopback:

* ``django view``  - a plain Django view that reads the body and returns a fixed XML reply:
                     the floor every other row includes (WSGI, URL routing, one POST);
* ``plain mode``   - ``POST /wechat/plain/``: signature + timestamp check, safe XML parse,
                     typed message, nonce binding and retry dedupe in the cache, the router,
                     the handler in the guarded thread pool, the rendered text reply;
* ``safe mode``    - ``POST /wechat/safe/``: the same plus ``msg_signature``, AES-256-CBC
                     decryption of the push and encryption + signing of the reply.

Every request is a different message (its own MsgId and nonce, signed and, in safe mode,
encrypted before the clock starts), so dedupe never short-cuts a handler.  Each answer is checked
(HTTP 200 and the expected reply shape); failures are counted, never timed as successes.

Run: ``.venv/bin/python bench/bench_messages.py [--seconds 10] [--concurrency 8]``.  The load
generator is Python (httpx, threads), so on a small machine it shares the CPU with the server:
compare the ratios, not the absolute numbers.  A second table gives the server's own time per
request without the network (Django's test client in one process, same site): where the
endpoint's extra work shows undiluted.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "src"), str(ROOT)]

TOKEN = "bench-token"
AES_KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
PLAIN_APP_ID = "wxbench00plain0001"
SAFE_APP_ID = "wxbench000safe0001"

SETTINGS_MODULE = f'''
SECRET_KEY = "bench-secret-key-0123456789abcdefghijklmnopqrstuvwxyz"
DEBUG = False
ALLOWED_HOSTS = ["*"]
USE_TZ = True
INSTALLED_APPS = ["django.contrib.contenttypes", "django.contrib.auth", "djwechat"]
MIDDLEWARE = ["django.middleware.common.CommonMiddleware"]
ROOT_URLCONF = "bench_msg_urls"
DATABASES = {{"default": {{"ENGINE": "django.db.backends.sqlite3", "NAME": __DB__}}}}
CACHES = {{"default": {{"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}}}
WECHAT = {{
    "APPS": {{
        "plain": {{"TYPE": "official_account", "APP_ID": "{PLAIN_APP_ID}", "APP_SECRET": "s",
                   "TOKEN": "{TOKEN}", "ROUTER": "bench_msg_urls.router"}},
        "safe": {{"TYPE": "official_account", "APP_ID": "{SAFE_APP_ID}", "APP_SECRET": "s",
                  "TOKEN": "{TOKEN}", "ENCODING_AES_KEY": "{AES_KEY}", "MESSAGE_MODE": "safe",
                  "ROUTER": "bench_msg_urls.router"}},
    }},
}}
LOGGING = {{"version": 1, "disable_existing_loggers": False,
           "loggers": {{"djwechat": {{"level": "ERROR"}}, "django": {{"level": "ERROR"}}}}}}
'''

URLS_MODULE = """
from django.http import HttpResponse
from django.urls import include, path
from django.views.decorators.csrf import csrf_exempt

from djwechat.messaging import Router

router = Router()


@router.text
def echo(message, ctx):
    return message.content


REPLY = (
    "<xml><ToUserName><![CDATA[o-user]]></ToUserName><FromUserName><![CDATA[gh_bench]]></FromUserName>"
    "<CreateTime>1700000000</CreateTime><MsgType><![CDATA[text]]></MsgType>"
    "<Content><![CDATA[hello from the benchmark]]></Content></xml>"
)


@csrf_exempt
def plain_view(request):
    request.body
    return HttpResponse(REPLY, content_type="application/xml")


urlpatterns = [path("plain-view/", plain_view), path("", include("djwechat.urls"))]
"""

#: Untimed requests sent before each row.
WARM_UP = 50
CASES = [("django view", "/plain-view/"), ("plain mode", "/wechat/plain/"), ("safe mode", "/wechat/safe/")]


# --------------------------------------------------------------------------- load generator


def build_requests(case: str, count: int) -> list[tuple[str, bytes]]:
    """``count`` distinct signed (and in safe mode encrypted) pushes: (query string, body)."""
    from urllib.parse import urlencode

    from djwechat._internal.msgcrypt import MessageCrypto
    from djwechat._internal.signing import sha1_signature

    crypto = MessageCrypto(token=TOKEN, encoding_aes_key=AES_KEY, app_id=SAFE_APP_ID)
    timestamp = str(int(time.time()))
    requests = []
    for i in range(count):
        nonce = f"{os.getpid()}{i}"
        xml = (
            "<xml><ToUserName><![CDATA[gh_bench]]></ToUserName>"
            f"<FromUserName><![CDATA[o-user-{i % 50}]]></FromUserName><CreateTime>{timestamp}</CreateTime>"
            "<MsgType><![CDATA[text]]></MsgType><Content><![CDATA[hello from the benchmark]]></Content>"
            f"<MsgId>{10**15 + i}</MsgId></xml>"
        )
        query = {"signature": sha1_signature(TOKEN, timestamp, nonce), "timestamp": timestamp, "nonce": nonce}
        if case == "safe mode":
            encrypt = crypto.encrypt(xml, timestamp=timestamp, nonce=nonce).encrypt
            query.update(encrypt_type="aes", msg_signature=sha1_signature(TOKEN, timestamp, nonce, encrypt))
            xml = f"<xml><ToUserName><![CDATA[gh_bench]]></ToUserName><Encrypt><![CDATA[{encrypt}]]></Encrypt></xml>"
        requests.append((urlencode(query), xml.encode()))
    return requests


def run_load(base_url: str, case: str, path: str, seconds: float, concurrency: int) -> dict[str, Any]:
    """Drive one URL for ``seconds`` with ``concurrency`` threads; returns counts and latencies."""
    import httpx

    # Enough distinct pushes for a fast server; cycling would hit dedupe and flatter the figures.
    requests = build_requests(case, 40000)
    expected = b"<Encrypt>" if case == "safe mode" else b"hello from the benchmark"
    # Warm-up, untimed: both workers load the app and open their files before the clock starts.
    warm_up = requests[-WARM_UP:]
    requests = requests[:-WARM_UP]
    with httpx.Client(base_url=base_url, timeout=10.0) as client:
        for query, body in warm_up:
            client.post(f"{path}?{query}", content=body)
    cursor = iter(range(len(requests)))
    lock = threading.Lock()
    latencies: list[float] = []
    errors = 0
    deadline = time.perf_counter() + seconds

    def worker() -> None:
        nonlocal errors
        mine: list[float] = []
        failed = 0
        with httpx.Client(base_url=base_url, timeout=10.0) as client:
            while time.perf_counter() < deadline:
                with lock:
                    index = next(cursor, None)
                if index is None:
                    break
                query, body = requests[index]
                start = time.perf_counter()
                try:
                    response = client.post(f"{path}?{query}", content=body)
                    ok = response.status_code == 200 and expected in response.content
                except httpx.HTTPError:
                    ok = False
                if ok:
                    mine.append(time.perf_counter() - start)
                else:
                    failed += 1
        with lock:
            latencies.extend(mine)
            errors += failed

    started = time.perf_counter()
    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    latencies.sort()
    return {
        "case": case,
        "requests": len(latencies),
        "errors": errors,
        "rps": len(latencies) / elapsed,
        "elapsed": elapsed,
        "p50": statistics.median(latencies) * 1000 if latencies else 0.0,
        "p99": latencies[int(len(latencies) * 0.99) - 1] * 1000 if latencies else 0.0,
    }


def run_in_process(seconds: float) -> list[dict[str, Any]]:
    """Server CPU per request without the network: Django's test client, one thread, per case."""
    import django

    django.setup()
    from django.test import Client

    client = Client()
    rows = []
    for case, path in CASES:
        requests = build_requests(case, 20000)
        for query, body in requests[:WARM_UP]:
            client.post(f"{path}?{query}", data=body, content_type="text/xml")
        done, started = 0, time.perf_counter()
        deadline = started + seconds
        for query, body in requests[WARM_UP:]:
            response = client.post(f"{path}?{query}", data=body, content_type="text/xml")
            if response.status_code != 200:
                raise RuntimeError(f"{case}: HTTP {response.status_code}")
            done += 1
            if time.perf_counter() >= deadline:
                break
        rows.append({"case": case, "us": (time.perf_counter() - started) / done * 1e6})
    return rows


# --------------------------------------------------------------------------- orchestration


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_until_up(port: int, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError("gunicorn did not start")


def _load_process(case: str, port: int, seconds: float, concurrency: int) -> dict[str, Any]:
    """Run the load generator for one row in its own process; returns its figures."""
    load = subprocess.run(
        [
            sys.executable,
            __file__,
            "--load",
            case,
            "--url",
            f"http://127.0.0.1:{port}",
            "--seconds",
            str(seconds),
            "--concurrency",
            str(concurrency),
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    return dict(json.loads(load.stdout.strip().splitlines()[-1]))


def _combine(case: str, rows: list[dict[str, Any]]) -> dict[str, Any]:
    elapsed = sum(row["elapsed"] for row in rows)
    return {
        "case": case,
        "requests": sum(row["requests"] for row in rows),
        "errors": sum(row["errors"] for row in rows),
        "rps": sum(row["requests"] for row in rows) / elapsed,
        "p50": statistics.mean(row["p50"] for row in rows),
        "p99": statistics.mean(row["p99"] for row in rows),
    }


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seconds", type=float, default=float(os.environ.get("BENCH_SECONDS", "10")))
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--load", help=argparse.SUPPRESS)  # internal: run as the load generator
    parser.add_argument("--url", help=argparse.SUPPRESS)
    parser.add_argument("--in-process", action="store_true", help=argparse.SUPPRESS)  # internal
    args = parser.parse_args()

    if args.in_process:
        print(json.dumps(run_in_process(args.seconds)))
        return 0

    if args.load:
        path = dict(CASES)[args.load]
        print(json.dumps(run_load(args.url, args.load, path, args.seconds, args.concurrency)))
        return 0

    with tempfile.TemporaryDirectory(prefix="bench-messages-") as tmp:
        site = Path(tmp)
        (site / "bench_msg_settings.py").write_text(
            SETTINGS_MODULE.replace("__DB__", repr(str(site / "db.sqlite3")))
        )
        (site / "bench_msg_urls.py").write_text(URLS_MODULE)
        port = free_port()
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "bench_msg_settings",
            "PYTHONPATH": os.pathsep.join([str(site), str(ROOT / "src"), str(ROOT)]),
        }
        server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "--workers",
                str(args.workers),
                "--bind",
                f"127.0.0.1:{port}",
                "--log-level",
                "warning",
                "django.core.wsgi:get_wsgi_application()",
            ],
            env=env,
            cwd=tmp,
        )
        try:
            wait_until_up(port)
            # Rows alternate (A B C, then C B A) so that a busy neighbour on a shared machine
            # slows every row alike instead of the one that happened to run at the time.
            rounds: dict[str, list[dict[str, Any]]] = {case: [] for case, _ in CASES}
            for order in (CASES, CASES[::-1]):
                for case, _ in order:
                    rounds[case].append(_load_process(case, port, args.seconds / 2, args.concurrency))
            results = [_combine(case, rounds[case]) for case, _ in CASES]
            in_process = subprocess.run(
                [sys.executable, __file__, "--in-process", "--seconds", str(min(args.seconds / 5, 2.0))],
                capture_output=True,
                text=True,
                check=True,
                env=env,
                cwd=tmp,
            )
            cpu = json.loads(in_process.stdout.strip().splitlines()[-1])
        finally:
            server.terminate()
            server.wait(10)

    base = results[0]["rps"] or 1.0
    print(
        f"\nOfficial Account endpoint, gunicorn {args.workers} sync workers, SQLite + locmem cache, "
        f"{args.concurrency} client threads, {args.seconds:g} s per row (two halves), loopback"
    )
    print(f"{'case':<14}{'requests':>10}{'errors':>8}{'req/s':>10}{'p50 ms':>9}{'p99 ms':>9}{'vs view':>9}")
    for row in results:
        print(
            f"{row['case']:<14}{row['requests']:>10}{row['errors']:>8}{row['rps']:>10.0f}"
            f"{row['p50']:>9.1f}{row['p99']:>9.1f}{row['rps'] / base:>9.2f}"
        )
    floor = cpu[0]["us"]
    print("\nServer time per request without the network (Django test client, one thread, same site)")
    print(f"{'case':<14}{'us/request':>12}{'vs view':>9}")
    for row in cpu:
        print(f"{row['case']:<14}{row['us']:>12.0f}{row['us'] / floor:>9.2f}")
    return 1 if any(row["errors"] for row in results) else 0


if __name__ == "__main__":
    raise SystemExit(main())
