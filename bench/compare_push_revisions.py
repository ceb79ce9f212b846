"""CPU per Official Account push on two source trees, measured side by side in one run.

Usage (in the HTTP benchmark's virtualenv, with its PostgreSQL + Redis)::

    git archive main src | tar -x -C /tmp/base        # the "before" tree (any revision)
    bench/.peers/bin/python bench/compare_push_revisions.py /tmp/base/src [src]

Each tree gets a worker process on the HTTP benchmark's site (``bench/site``: PostgreSQL, Redis,
the echo handler); each request goes through Django's WSGI handler, as in the "through Django's
WSGI handler" rows of docs/benchmarks.md, with its push made before the clock starts.  The
parent runs rounds that alternate the workers (A B, B A, …) over the same rows and prints the
median CPU µs per request (the worker's every thread) of each tree and their ratio (after /
before): noise from the rest of the machine lands on both.  The peers' rows run in both workers
too (they do not use djwechat's code, so their two columns show the noise).

Environment: ``BENCH_DATABASE_URL``, ``BENCH_REDIS_URL``, ``BENCH_KEY_PREFIX`` as for
``bench/httpbench``; ``BENCH_ROUNDS`` (default 11) and ``BENCH_CALLS`` (requests per sample,
default 400).
"""

from __future__ import annotations

import io
import os
import statistics
import sys
import time
from pathlib import Path

from _support import ROOT, RevisionWorker

ROWS = ("djwechat-plain", "wechatpy-plain", "werobot-plain", "djwechat-safe", "wechatpy-safe", "werobot-safe")


def _worker(src: str) -> None:
    """Serve ``<row> <calls>`` lines: answer the CPU nanoseconds the requests took."""
    sys.path[:0] = [src, str(ROOT)]
    sys.modules.pop("djwechat", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.site.settings")
    from bench.httpbench.fixtures import ensure_database
    from bench.site.settings import DEFAULT_DATABASE_URL

    ensure_database(os.environ.get("BENCH_DATABASE_URL", DEFAULT_DATABASE_URL))
    import django

    django.setup()
    import djwechat

    assert Path(djwechat.__file__).resolve().is_relative_to(Path(src).resolve()), djwechat.__file__
    from django.core.handlers.wsgi import WSGIHandler
    from django.core.management import call_command

    from bench.httpbench.contenders import CONTENDERS
    from bench.httpbench.payloads import PushFactory

    call_command("migrate", verbosity=0)
    app, factory = WSGIHandler(), PushFactory()
    by_key = {c.key: c for c in CONTENDERS}

    def expect_ok(status: str, headers: object, exc_info: object = None) -> None:
        if not status.startswith("200"):
            raise RuntimeError(f"answered {status}")

    def environ(key: str) -> dict[str, object]:
        contender = by_key[key]
        push = factory.make(contender.mode)
        body = push.body.encode()
        return {
            "REQUEST_METHOD": "POST",
            "PATH_INFO": contender.path,
            "QUERY_STRING": push.query,
            "SERVER_NAME": "127.0.0.1",
            "SERVER_PORT": "8040",
            "REMOTE_ADDR": "127.0.0.1",
            "SERVER_PROTOCOL": "HTTP/1.1",
            "wsgi.url_scheme": "http",
            "CONTENT_TYPE": "text/xml",
            "CONTENT_LENGTH": str(len(body)),
            "wsgi.input": io.BytesIO(body),
            "wsgi.errors": sys.stderr,
        }

    print("ready", flush=True)
    for line in sys.stdin:
        key, _, count = line.rstrip("\n").rpartition(" ")
        environs = [environ(key) for _ in range(int(count))]
        started = time.process_time_ns()
        for env in environs:
            b"".join(app(env, expect_ok))
        print(time.process_time_ns() - started, flush=True)


def main() -> int:
    if sys.argv[1:2] == ["--worker"]:
        _worker(sys.argv[2])
        return 0
    before, after = sys.argv[1], sys.argv[2] if len(sys.argv) > 2 else str(ROOT / "src")
    rows = os.environ.get("BENCH_ROWS", ",".join(ROWS)).split(",")
    rounds = int(os.environ.get("BENCH_ROUNDS", "11"))
    calls = int(os.environ.get("BENCH_CALLS", "400"))
    workers = {"before": RevisionWorker(__file__, before), "after": RevisionWorker(__file__, after)}
    samples: dict[tuple[str, str], list[float]] = {(w, r): [] for w in workers for r in rows}
    try:
        for worker in workers.values():
            for row in rows:
                worker.run(row, 100)  # warm-up
        for n in range(rounds):
            order = ("before", "after") if n % 2 == 0 else ("after", "before")
            for row in rows if n % 2 == 0 else rows[::-1]:
                for name in order:
                    samples[name, row].append(workers[name].run(row, calls))
    finally:
        for worker in workers.values():
            worker.close()
    median = {key: statistics.median(values) for key, values in samples.items()}
    print(f"\nbefore: {before}\nafter:  {after}\n{rounds} interleaved rounds x {calls} requests\n")
    print(f"{'CPU µs per request':<20}{'before':>9}{'after':>9}{'after/before':>14}")
    for row in rows:
        b, a = median["before", row], median["after", row]
        print(f"{row:<20}{b:>9.1f}{a:>9.1f}{a / b:>14.3f}")
    for mode in ("plain", "safe"):
        ours, peers = f"djwechat-{mode}", [f"wechatpy-{mode}", f"werobot-{mode}"]
        if ours in rows and all(p in rows for p in peers):
            for name in workers:
                best = min(median[name, p] for p in peers)
                print(f"{mode} {name}: faster peer's CPU / djwechat's = {best / median[name, ours]:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
