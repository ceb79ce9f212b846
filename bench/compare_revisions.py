"""The middleware's cost per request on two source trees, measured side by side in one run.

Usage::

    git archive main src | tar -x -C /tmp/base        # the "before" tree (any revision)
    .venv/bin/python bench/compare_revisions.py /tmp/base/src [src]

Each tree gets a worker process configured exactly as ``bench/bench_middleware.py`` does (SQLite
in memory, Django's database cache; with ``--server``, PostgreSQL + Redis from ``DATABASE_URL``
and ``REDIS_URL``).  The parent then runs rounds that alternate the workers (A B, B A, …), each
measuring the same row for the same number of calls, and prints the median µs per request of each
tree and their ratio (after / before): noise from the rest of the machine lands on both.
"""

from __future__ import annotations

import contextlib
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from _support import ROOT, RevisionWorker

ROWS = ("jwt, no token", "jwt, strict", "jwt, process cache 30 s", "jwt + DRF view")


def _worker(src: str, server: bool) -> None:
    """Serve ``<row> <calls>`` lines: answer the nanoseconds the calls took."""
    sys.path[:0] = [src, str(ROOT)]
    sys.modules.pop("djwechat", None)
    from bench import bench_middleware

    sys.path.insert(0, src)  # bench_middleware put this checkout's src first
    bench_middleware.configure(server)
    import djwechat

    assert Path(djwechat.__file__).resolve().is_relative_to(Path(src).resolve()), djwechat.__file__
    rows = _rows()
    print("ready", flush=True)
    for line in sys.stdin:
        name, _, count = line.rstrip("\n").rpartition(" ")
        call, context = rows[name]
        with context():
            t0 = time.perf_counter_ns()
            for _ in range(int(count)):
                call()
            elapsed = time.perf_counter_ns() - t0
        print(elapsed, flush=True)


def _rows() -> dict[str, tuple[Callable[[], Any], Callable[[], Any]]]:
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.http import HttpRequest, HttpResponse
    from django.test import RequestFactory, override_settings
    from rest_framework.permissions import IsAuthenticated
    from rest_framework.response import Response
    from rest_framework.views import APIView

    import djwechat.jwt
    from bench.bench_middleware import SIGNING_KEY
    from djwechat.jwt.authentication import JWTAuthentication
    from djwechat.jwt.middleware import JWTSessionMiddleware

    call_command("migrate", verbosity=0, run_syncdb=True)
    from django.conf import settings

    if "DatabaseCache" in settings.CACHES["default"]["BACKEND"]:
        call_command("createcachetable", verbosity=0)
    user_model = get_user_model()
    # Both workers may share a server database: each has a user of its own.
    username = f"bench-{os.getpid()}"
    user = user_model.objects.create_user(username, password="bench-password")
    factory = RequestFactory()
    token = djwechat.jwt.login(factory.post("/"), user)["access"]

    def view(request: HttpRequest) -> HttpResponse:
        return HttpResponse(str(request.jwt_user.pk if request.jwt_user else ""))  # type: ignore[attr-defined]

    class DRFView(APIView):
        authentication_classes = (JWTAuthentication,)
        permission_classes = (IsAuthenticated,)

        def get(self, request: Any) -> Response:
            return Response({"pk": request.user.pk})

    stack = JWTSessionMiddleware(view)
    drf_view = DRFView.as_view()

    def local_cache() -> Any:
        # Entered once per batch: a settings change empties the process cache.
        return override_settings(WECHAT={"JWT": {"SIGNING_KEY": SIGNING_KEY, "SESSION_CACHE_SECONDS": 30}})

    def authenticated() -> Any:
        return stack(factory.get("/", HTTP_AUTHORIZATION=f"Bearer {token}"))

    return {
        "jwt, no token": (lambda: stack(factory.get("/")), contextlib.nullcontext),
        "jwt, strict": (authenticated, contextlib.nullcontext),
        "jwt, process cache 30 s": (authenticated, local_cache),
        "jwt + DRF view": (
            lambda: drf_view(factory.get("/", HTTP_AUTHORIZATION=f"Bearer {token}")),
            contextlib.nullcontext,
        ),
    }


def main() -> int:
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    server = "--server" in sys.argv
    if "--worker" in sys.argv:
        _worker(args[0], server)
        return 0
    before, after = args[0], args[1] if len(args) > 1 else str(ROOT / "src")
    rounds = int(os.environ.get("BENCH_ROUNDS", "15"))
    seconds = float(os.environ.get("BENCH_ROW_SECONDS", "0.15"))
    flags = ["--server"] if server else []
    workers = {
        "before": RevisionWorker(__file__, before, *flags),
        "after": RevisionWorker(__file__, after, *flags),
    }
    try:
        print(f"\nbefore: {before}\nafter:  {after}\n{rounds} interleaved rounds per row\n")
        print(f"{'row':<26}{'before µs':>11}{'after µs':>11}{'after/before':>14}")
        for row in ROWS:
            for worker in workers.values():
                worker.run(row, 200)  # warm-up
            calls = max(50, int(seconds * 1e6 / workers["before"].run(row, 200)))
            samples: dict[str, list[float]] = {"before": [], "after": []}
            for n in range(rounds):
                order = ("before", "after") if n % 2 == 0 else ("after", "before")
                for name in order:
                    samples[name].append(workers[name].run(row, calls))
            b, a = statistics.median(samples["before"]), statistics.median(samples["after"])
            print(f"{row:<26}{b:>11.1f}{a:>11.1f}{a / b:>14.3f}")
    finally:
        for worker in workers.values():
            worker.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
