"""``python -m bench.httpbench propagation``: how long a revocation takes to reach another process.

Two Django processes on the benchmark site's settings (PostgreSQL + Redis) with
``JWT.SESSION_INVALIDATION = "pubsub"``: this one revokes, a spawned one watches.  For each of
``--revocations`` sessions the watcher first holds the session in memory (its subscription
serving), then looks it up every ``--poll-us`` microseconds - each lookup a memory hit, as a
busy worker's would be - and notes the moment it is first refused.  This process notes the
moment it called the revocation (a ``JWTSession`` deletion through the ORM: the post-delete
purge, the commit, then the publish) and the moment the call returned.  Both clocks are
``CLOCK_MONOTONIC``, one clock for every process of the machine.

Reported: p50 / p90 / p99 / max of "refused - called" (what a user sees: from the logout to
the last process refusing) and of "refused - returned" (the channel alone; negative when the
message beat the call's own return), and how many lookups the watcher made from memory
meanwhile (each one answered without a cache round trip).
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import statistics
import time
from multiprocessing.connection import Connection


def _watch(pipe: Connection, poll_seconds: float) -> None:
    """The watching process: answer ``("watch", session_key)`` with the refusal time until ``("stop",)``."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.site.settings")
    os.environ["BENCH_SESSION_INVALIDATION"] = "pubsub"
    import django

    django.setup()
    from djwechat.jwt import record_cache
    from djwechat.jwt.session_store import SessionStore

    while True:
        command, *args = pipe.recv()
        if command == "stop":
            return
        key = args[0]
        deadline = time.monotonic() + 10
        armed = False
        while not armed and time.monotonic() < deadline:  # subscribed, and the session in memory
            channel = record_cache.channel()
            armed = (
                channel is not None
                and channel.serving()
                and SessionStore.load_live(key) is not None
                and key in record_cache._local
            )
            time.sleep(0 if armed else 0.001)
        if not armed:
            pipe.send(("error", "the watcher could not hold the session in memory"))
            continue
        pipe.send(("armed",))
        hits = 0
        while SessionStore.load_live(key) is not None:
            hits += 1
            time.sleep(poll_seconds)
        pipe.send(("refused", time.monotonic(), hits))


def _percentiles(values: list[float]) -> str:
    ordered = sorted(values)

    def at(q: float) -> float:
        return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]

    return f"{at(0.5) * 1e3:.2f} / {at(0.9) * 1e3:.2f} / {at(0.99) * 1e3:.2f} / {ordered[-1] * 1e3:.2f} ms"


def propagation(args: argparse.Namespace) -> int:
    """Measure ``args.revocations`` revocations; print the distribution (Django is set up)."""
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.test.client import RequestFactory

    import djwechat.jwt
    from djwechat.jwt import record_cache
    from djwechat.jwt.models import JWTSession

    call_command("migrate", verbosity=0)
    context = multiprocessing.get_context("spawn")
    parent, child = context.Pipe()
    watcher = context.Process(target=_watch, args=(child, args.poll_us / 1e6), daemon=True)
    watcher.start()
    user, _ = get_user_model().objects.get_or_create(username="bench-propagation")
    factory = RequestFactory()
    from_call: list[float] = []
    from_return: list[float] = []
    hits = 0
    try:
        deadline = time.monotonic() + 30
        while (channel := record_cache.channel()) is None or not channel.serving():
            if time.monotonic() > deadline:
                raise SystemExit("this process's subscription does not serve: is the cache Redis?")
            time.sleep(0.01)
        for number in range(args.revocations):
            djwechat.jwt.login(factory.post("/"), user)
            session = JWTSession.objects.filter(user=user).latest("created_at")
            parent.send(("watch", session.session_key))
            answer = parent.recv()
            if answer[0] != "armed":
                raise SystemExit(f"revocation {number}: {answer[1]}")
            called = time.monotonic()
            JWTSession.objects.filter(pk=session.pk).delete()
            returned = time.monotonic()
            if not parent.poll(10):
                raise SystemExit(f"revocation {number}: the watcher still accepts the session after 10 s")
            _, refused, made = parent.recv()
            from_call.append(refused - called)
            from_return.append(refused - returned)
            hits += made
            time.sleep(args.pause_ms / 1e3)
    finally:
        parent.send(("stop",))
        watcher.join(10)
        JWTSession.objects.filter(user=user).delete()
    early = sum(1 for delay in from_return if delay < 0)
    print(
        f"\n{args.revocations} revocations, the watcher polling every {args.poll_us} us "
        f"({hits} lookups answered from its memory meanwhile):\n\n"
        "| delay until the other process refuses | p50 / p90 / p99 / max |\n|---|---|\n"
        f"| from the revocation call | {_percentiles(from_call)} |\n"
        f"| from the call's return (the channel alone) | {_percentiles(from_return)} |\n\n"
        f"{early} of {args.revocations} were refused before the revoking call had returned; "
        f"mean call duration {statistics.mean(c - r for c, r in zip(from_call, from_return, strict=True)) * 1e3:.2f} ms.",
        flush=True,
    )
    return 0


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The ``propagation`` subcommand's options."""
    parser.add_argument("--revocations", type=int, default=200)
    parser.add_argument("--poll-us", type=int, default=200, help="the watcher's pause between lookups")
    parser.add_argument("--pause-ms", type=int, default=5, help="pause between two revocations")
