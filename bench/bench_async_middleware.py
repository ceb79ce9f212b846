"""The middleware's async path against its sync path: µs per authenticated request, side by side.

Rows, each measured on the same kind of request (a valid access token) in interleaved rounds:

* ``sync, strict`` / ``async, strict`` - the session checked in the shared cache on every
  request; the async path makes that lookup in one ``sync_to_async`` hop (the cache client is
  synchronous), so it pays the hop where the sync path pays nothing;
* ``sync, process cache 30 s`` / ``async, process cache 30 s`` - ``SESSION_CACHE_SECONDS=30``:
  the lookup is answered from this process's memory, in the event loop, with no hop.

The async rows await the middleware around an ``async def`` view inside a running event loop
(one per batch), as an ASGI server would; the sync rows call it around a plain view.  Configuration as in
``bench/bench_middleware.py`` (SQLite in memory + the database cache; with ``--server``,
PostgreSQL + Redis from ``DATABASE_URL`` / ``REDIS_URL``).

Run: ``.venv/bin/python bench/bench_async_middleware.py [--server]`` (a few seconds).
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "src"), str(ROOT)]

ROUNDS = int(os.environ.get("BENCH_ROUNDS", "9"))
BATCH_SECONDS = float(os.environ.get("BENCH_ROW_SECONDS", "0.1"))


def main() -> int:
    from bench import bench_middleware

    server = "--server" in sys.argv
    label = bench_middleware.configure(server)
    from asgiref.sync import async_to_sync
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.http import HttpRequest, HttpResponse
    from django.test import RequestFactory, override_settings

    import djwechat.jwt
    from djwechat.jwt.middleware import JWTSessionMiddleware

    call_command("migrate", verbosity=0, run_syncdb=True)
    if not server:
        call_command("createcachetable", verbosity=0)
    user = get_user_model().objects.create_user(f"bench-async-{os.getpid()}", password="bench-password")
    factory = RequestFactory()
    token = djwechat.jwt.login(factory.post("/"), user)["access"]

    def sync_view(request: HttpRequest) -> HttpResponse:
        return HttpResponse(str(request.jwt_user.pk))  # type: ignore[attr-defined]

    async def async_view(request: HttpRequest) -> HttpResponse:
        return HttpResponse(str(request.jwt_user.pk))  # type: ignore[attr-defined]

    sync_stack = JWTSessionMiddleware(sync_view)
    async_stack = JWTSessionMiddleware(async_view)

    def request() -> HttpRequest:
        return factory.get("/", HTTP_AUTHORIZATION=f"Bearer {token}")

    def sync_batch(count: int) -> float:
        t0 = time.perf_counter_ns()
        for _ in range(count):
            sync_stack(request())
        return (time.perf_counter_ns() - t0) / count / 1000

    async def _async_batch(count: int) -> float:
        call: Callable[[HttpRequest], Awaitable[Any]] = async_stack
        t0 = time.perf_counter_ns()
        for _ in range(count):
            await call(request())
        return (time.perf_counter_ns() - t0) / count / 1000

    def async_batch(count: int) -> float:
        # From the main thread, as Django's own test client does: the hop lands back in this
        # thread, whose connection holds the in-memory database.
        return float(async_to_sync(_async_batch)(count))

    rows: list[tuple[str, float]] = []
    for mode, jwt in (("strict", {}), ("process cache 30 s", {"SESSION_CACHE_SECONDS": 30})):
        with override_settings(WECHAT={"JWT": {"SIGNING_KEY": bench_middleware.SIGNING_KEY, **jwt}}):
            batches = {f"sync, {mode}": sync_batch, f"async, {mode}": async_batch}
            counts = {}
            for name, batch in batches.items():
                batch(100)  # warm-up (and the process cache)
                counts[name] = max(50, int(BATCH_SECONDS * 1e6 / batch(100)))
            samples: dict[str, list[float]] = {name: [] for name in batches}
            for n in range(ROUNDS):
                order = list(batches) if n % 2 == 0 else list(reversed(batches))
                for name in order:
                    samples[name].append(batches[name](counts[name]))
            rows += [(name, statistics.median(samples[name])) for name in batches]
    user.delete()

    print(f"\nJWTSessionMiddleware, sync vs async path - {label} (median of {ROUNDS} interleaved rounds)\n")
    print(f"{'path':<30}{'µs/request':>12}{'async/sync':>12}")
    for i, (name, micros) in enumerate(rows):
        ratio = f"{micros / rows[i - 1][1]:.2f}" if name.startswith("async") else "-"
        print(f"{name:<30}{micros:>12.1f}{ratio:>12}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
