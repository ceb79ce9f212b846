"""One worker configuration: start the servers, verify, warm up, then the interleaved rounds."""

from __future__ import annotations

import math
import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

import httpx

from bench.httpbench import payloads, verify, wrk
from bench.httpbench.contenders import BARE, SERVERS, Contender
from bench.httpbench.fixtures import Credentials
from bench.httpbench.servers import Config, Gunicorn

#: Pushes generated per second of a run before any rate is known (above what any contender reaches here).
FIRST_GUESS_RPS = 4000
#: Head room over the fastest rate seen so far, so that no connection runs out of distinct pushes.
HEADROOM = 1.6
#: Runs made again, with four times the pushes, when a run sent a push twice.
WRAP_RETRIES = 2


@dataclass(frozen=True, slots=True)
class Plan:
    """How long and how hard each contender is driven."""

    rounds: int
    #: Whole seconds (wrk's unit) per contender per round, and of the warm-up (0: none).
    seconds: int
    warm_up_seconds: int
    connections: int
    #: Run the bare view between every two contenders and divide by the mean of the two bare
    #: runs around each contender; otherwise by the round's one bare run (A B C ... A B C ...).
    bracket: bool = True


@dataclass(slots=True)
class ConfigResult:
    """Everything measured under one worker configuration."""

    config: Config
    #: key -> its :class:`wrk.WrkResult` of each round (the bare view: every run, when bracketed).
    runs: dict[str, list[wrk.WrkResult]] = field(default_factory=dict)
    #: key -> per round, its requests per second over the bare view's (see :class:`Plan`).
    ratios: dict[str, list[float]] = field(default_factory=dict)
    verification: list[str] = field(default_factory=list)
    #: server name -> peak RSS of each worker, MiB.
    rss_mib: dict[str, list[float]] = field(default_factory=dict)
    #: Load average of the machine (1 min) when the configuration started and ended.
    load: tuple[float, float] = (0.0, 0.0)


def run_config(
    config: Config,
    contenders: tuple[Contender, ...],
    creds: Credentials,
    factory: payloads.PushFactory,
    *,
    plan: Plan,
    ports: tuple[int, ...],
    log: Callable[[str], None],
) -> ConfigResult:
    """Measure ``contenders`` under ``config`` (A B C … A B C …, ``plan.rounds`` times)."""
    result = ConfigResult(config, load=(os.getloadavg()[0], 0.0))
    bare = next(c for c in contenders if c.key == BARE)
    others = tuple(c for c in contenders if c.key != BARE)
    wanted = {c.server for c in contenders}
    servers = {
        name: Gunicorn(config, port, SERVERS[name])
        for name, port in zip(SERVERS, ports, strict=True)
        if name in wanted
    }
    try:
        for server in servers.values():
            server.wait_ready()
        for contender in contenders:
            with httpx.Client(base_url=servers[contender.server].url, timeout=10.0) as client:
                line = verify.check(client, contender, creds, factory)
            result.verification.append(line)
            log(f"  verified {line}")
        best_rps = 0.0
        with tempfile.TemporaryDirectory(prefix="djwechat-bench-") as tmp:
            work = Path(tmp)

            def drive(contender: Contender, seconds: int) -> wrk.WrkResult:
                rate = best_rps * HEADROOM if best_rps else FIRST_GUESS_RPS
                count = math.ceil(rate * seconds) + 200
                # On a shared machine a run can go much faster than the ones before it: a run
                # that sent some push twice is thrown away and made again with more pushes.
                for _ in range(WRAP_RETRIES + 1):
                    requests = work / f"{contender.key}.txt"
                    payloads.write_file(requests, contender, count=count, factory=factory, creds=creds)
                    server = servers[contender.server]
                    cpu_before = server.cpu_seconds()
                    measured = wrk.run(server.url, requests, seconds=seconds, connections=plan.connections)
                    cpu = server.cpu_seconds() - cpu_before
                    if measured.requests:
                        measured = replace(measured, cpu_us_per_request=cpu / measured.requests * 1e6)
                    if contender.kind != "push" or not measured.wraps:
                        return measured
                    log(f"  {contender.key}: ran out of distinct pushes ({count}); run again with more")
                    count *= 4
                raise RuntimeError(f"{contender.key}: ran out of distinct pushes ({count // 4})")

            for contender in contenders if plan.warm_up_seconds else ():
                warm = drive(contender, plan.warm_up_seconds)
                best_rps = max(best_rps, warm.rps)
            for round_no in range(plan.rounds):
                # Bracketed: the bare view runs before the first contender and after each one, so
                # every ratio is taken against the bare runs on either side of it, seconds apart -
                # a neighbour's load that comes and goes shifts both alike.
                before = drive(bare, plan.seconds) if plan.bracket else None
                if before is not None:
                    result.runs.setdefault(BARE, []).append(before)
                measured_round: dict[str, wrk.WrkResult] = {}
                for contender in others if plan.bracket else contenders:
                    measured = drive(contender, plan.seconds)
                    best_rps = max(best_rps, measured.rps)
                    measured_round[contender.key] = measured
                    log(
                        f"  [{config.name} round {round_no + 1}/{plan.rounds}] {contender.key:<20} "
                        f"{measured.rps:8.0f} req/s  p50 {measured.p50_ms:6.2f} ms  "
                        f"p99 {measured.p99_ms:7.2f} ms  cpu {measured.cpu_us_per_request:6.0f} us/req  "
                        f"non-2xx {measured.non2xx}"
                    )
                    if before is not None:
                        after = drive(bare, plan.seconds)
                        result.runs.setdefault(BARE, []).append(after)
                        result.ratios.setdefault(contender.key, []).append(
                            measured.rps / (((before.rps + after.rps) / 2) or 1.0)
                        )
                        before = after
                bare_rps = measured_round[BARE].rps if BARE in measured_round else 0.0
                for key, measured in measured_round.items():
                    result.runs.setdefault(key, []).append(measured)
                    if before is None:
                        result.ratios.setdefault(key, []).append(measured.rps / (bare_rps or 1.0))
                if before is not None:
                    result.ratios.setdefault(BARE, []).append(1.0)
        result.rss_mib = {name: server.peak_rss_mib() for name, server in servers.items()}
    finally:
        for server in servers.values():
            server.stop()
    result.load = (result.load[0], os.getloadavg()[0])
    return result
