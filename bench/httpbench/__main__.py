"""``python -m bench.httpbench``: the HTTP benchmark (see the package docstring and docs/benchmarks.md).

Environment: ``BENCH_DATABASE_URL``, ``BENCH_REDIS_URL``, ``BENCH_KEY_PREFIX`` (see
``bench/site/settings.py``) and ``BENCH_PORT`` (first of the three ports used, 8040 by default).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from dataclasses import asdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
RESULTS = ROOT / "bench" / "results"


def _setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.site.settings")
    from bench.httpbench.fixtures import ensure_database
    from bench.site.settings import DEFAULT_DATABASE_URL

    ensure_database(os.environ.get("BENCH_DATABASE_URL", DEFAULT_DATABASE_URL))
    import django

    django.setup()


def _log(line: str) -> None:
    print(line, flush=True)


def _machine() -> str:
    cpu = "?"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    return f"{os.cpu_count()} cores ({cpu}), Python {platform.python_version()}, {platform.platform()}"


def _versions() -> str:
    from importlib.metadata import version

    names = ["Django", "djangorestframework", "gunicorn", "django-redis", "psycopg", "PyJWT"]
    names += ["djangorestframework-simplejwt", "wechatpy", "WeRoBot"]
    return ", ".join(f"{name} {version(name)}" for name in names)


def bench(args: argparse.Namespace) -> int:
    """Run the configurations, the in-process operations, and print (and save) the tables."""
    from bench.httpbench import contenders as table
    from bench.httpbench import fixtures, inprocess, report
    from bench.httpbench.payloads import PushFactory
    from bench.httpbench.rounds import Plan, run_config
    from bench.httpbench.servers import CONFIGS
    from bench.httpbench.wrk import wrk_binary

    wrk_binary()
    _setup_django()
    chosen = table.select(args.only)
    if args.smoke:
        plan = Plan(rounds=1, seconds=1, warm_up_seconds=0, connections=args.connections, bracket=False)
    else:
        plan = Plan(
            rounds=args.rounds,
            seconds=args.seconds,
            warm_up_seconds=1,
            connections=args.connections,
            bracket=not args.no_bracket,
        )
    port = int(os.environ.get("BENCH_PORT", "8040"))
    prefix = os.environ.get("BENCH_KEY_PREFIX", "djwechat-bench")
    creds = fixtures.prepare()
    factory = PushFactory()
    started = time.time()
    results = []
    try:
        for name in filter(None, args.configs.split(",")):
            config = CONFIGS[name]
            _log(f"== {config.label}: {plan.rounds} round(s) x {len(chosen)} contenders x {plan.seconds:g} s")
            results.append(
                run_config(
                    config,
                    chosen,
                    creds,
                    factory,
                    plan=plan,
                    ports=tuple(port + i for i in range(len(table.SERVERS))),
                    log=_log,
                )
            )
        ops = inprocess.operations(creds, factory)
        load_before = os.getloadavg()[0]
        micro = inprocess.measure(ops, rounds=1 if args.smoke else 5, seconds=0.02 if args.smoke else 0.25)
        trips = inprocess.round_trips(ops, calls=20 if args.smoke else 200)
    finally:
        removed = fixtures.forget_keys(prefix)
        _log(f"removed {removed} cache keys under {prefix}:")

    groups = {op.name: op.group for op in ops}
    sections = [
        f"Machine: {_machine()}\n\nVersions: {_versions()}\n",
        f"Rounds: {plan.rounds} x {plan.seconds:g} s per contender (after a {plan.warm_up_seconds:g} s warm-up), "
        + ("the bare view run between every two contenders, " if plan.bracket else "")
        + f"wrk 1 thread x {plan.connections} connections; {time.time() - started:.0f} s in all.\n",
        report.ratios_table(results, chosen),
        *(report.detail_table(r, chosen) for r in results),
        report.targets_table(results),
        f"In process (load average {load_before:.2f} -> {os.getloadavg()[0]:.2f}):",
        report.operations_table(micro, groups, trips),
        "\n".join(
            f"- {r.config.label}: peak RSS per worker "
            + "; ".join(
                f"{server} {', '.join(f'{m:.0f}' for m in mib)} MiB" for server, mib in r.rss_mib.items()
            )
            for r in results
        ),
        report.noise_lines(results),
    ]
    markdown = "\n\n".join(sections) + "\n"
    print("\n" + markdown)
    RESULTS.mkdir(parents=True, exist_ok=True)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    (RESULTS / f"http-{stamp}.md").write_text(markdown)
    raw = {
        r.config.name: {
            "runs": {key: [asdict(run) for run in runs] for key, runs in r.runs.items()},
            "ratios": r.ratios,
        }
        for r in results
    }
    (RESULTS / f"http-{stamp}.json").write_text(
        json.dumps({"configs": raw, "operations_us": micro, "round_trips": trips}, indent=1)
    )
    if args.chart:
        report.chart(results, chosen, Path(args.chart))
        _log(f"chart: {args.chart}")
    failures = [
        f"{r.config.name}/{key}"
        for r in results
        for key, runs in r.runs.items()
        if any(run.non2xx or run.socket_errors or not run.requests for run in runs)
    ]
    if failures:
        _log(f"FAILED: errors or no answers in {', '.join(failures)}")
        return 1
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.httpbench", description=__doc__)
    sub = parser.add_subparsers(dest="command")
    run = sub.add_parser("run", help="measure (the default)")
    for p in (parser, run):
        p.add_argument("--smoke", action="store_true", help="one short round: shows the harness works")
        p.add_argument(
            "--configs", default="sync,gthread", help="comma-separated: sync, gthread ('' = in-process only)"
        )
        p.add_argument("--rounds", type=int, default=5)
        p.add_argument("--seconds", type=int, default=2, help="whole seconds per contender per round")
        p.add_argument("--connections", type=int, default=8)
        p.add_argument("--only", help="comma-separated contender keys (the bare view is always run)")
        p.add_argument("--chart", help="write the bar chart of the ratios to this PNG")
        p.add_argument(
            "--no-bracket",
            action="store_true",
            help="one bare run per round instead of one around each contender",
        )
    prof = sub.add_parser("profile", help="sample the workers with py-spy while wrk drives one contender")
    prof.add_argument("contender")
    prof.add_argument("--config", default="gthread")
    prof.add_argument("--seconds", type=int, default=10)
    prof.add_argument("--rate", type=int, default=200, help="py-spy samples per second")
    prof.add_argument("--connections", type=int, default=8)
    prof.add_argument("--top", type=int, default=30)
    prof.add_argument(
        "--mode", choices=("cpu", "wall"), default="cpu", help="GIL holder only, or every thread"
    )
    prof.add_argument(
        "--sampler", choices=("py-spy", "none"), default="py-spy", help="none: CPU per request only"
    )
    prof.add_argument("--override", default="{}", help="JSON merged into WECHAT (one section deep)")
    spread = sub.add_parser("propagation", help="time a revocation takes to reach another process (pub/sub)")
    from bench.httpbench.propagation import add_arguments

    add_arguments(spread)
    args = parser.parse_args()
    if args.command == "propagation":
        from bench.httpbench.propagation import propagation

        os.environ["BENCH_SESSION_INVALIDATION"] = "pubsub"
        _setup_django()
        return propagation(args)
    if args.command == "profile":
        from bench.httpbench.profile import profile

        _setup_django()
        return profile(args)
    return bench(args)


if __name__ == "__main__":
    sys.exit(main())
