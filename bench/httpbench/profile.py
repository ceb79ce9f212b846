"""``python -m bench.httpbench profile <contender>``: where the workers' CPU goes under load.

wrk drives one contender (distinct pushes, as in the measured runs) while py-spy samples every
worker (``--subprocesses``, non-blocking, idle threads left out: on-CPU stacks), and the worker
CPU per request is read from ``/proc``.  The collapsed stacks are saved under
``bench/results/`` (feed them to any flame-graph tool) and summarised: the functions with the
most samples on the stack (inclusive) and at its top (self).  ``--mode cpu`` (the default) keeps
only the thread holding the GIL in each sample: where the Python CPU goes; ``--mode wall`` keeps
every thread, waiting ones included.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

from bench.httpbench import fixtures, payloads, verify
from bench.httpbench.contenders import CONTENDERS, SERVERS
from bench.httpbench.servers import CONFIGS, ROOT, Gunicorn
from bench.httpbench.wrk import FEED, wrk_binary

_FRAME = re.compile(r"^(?P<func>.*?) \((?P<file>[^()]*?)(?::\d+)?\)$")


def _short(frame: str) -> str:
    match = _FRAME.match(frame)
    if not match:
        return frame
    path = match["file"]
    for marker in ("site-packages/", "/src/", "/lib/python3"):
        if marker in path:
            path = path.split(marker, 1)[1]
            break
    return f"{match['func']} ({path})"


def summarise(collapsed: Path, top: int) -> str:
    """Inclusive and self sample shares by function from py-spy's collapsed (raw) output."""
    inclusive: Counter[str] = Counter()
    own: Counter[str] = Counter()
    total = 0
    for line in collapsed.read_text(errors="replace").splitlines():
        stack, _, count_text = line.rpartition(" ")
        # A frame name that py-spy read while the interpreter was changing it can hold a line
        # break or bytes that are not text: the pieces of such a line are left out.
        if not stack or not count_text.isdigit():
            continue
        count = int(count_text)
        frames = [_short(f) for f in stack.split(";") if not f.startswith(("process ", "thread "))]
        total += count
        for frame in set(frames):
            inclusive[frame] += count
        if frames:
            own[frames[-1]] += count
    out = [f"{total} samples"]
    for title, counter in (("inclusive", inclusive), ("self", own)):
        out.append(f"\n{title}:")
        out += [f"  {n / total:6.1%}  {frame}" for frame, n in counter.most_common(top)]
    return "\n".join(out)


def profile(args: argparse.Namespace) -> int:
    """Drive ``args.contender`` under ``args.config`` and sample the workers for ``args.seconds``."""
    spy = shutil.which(
        "py-spy", path=f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"
    )
    if spy is None:
        raise SystemExit("py-spy is not installed (it is in bench/requirements.txt)")
    contender = next((c for c in CONTENDERS if c.key == args.contender), None)
    if contender is None:
        raise SystemExit(f"unknown contender {args.contender!r}")
    creds = fixtures.prepare()
    factory = payloads.PushFactory()
    env = {**SERVERS[contender.server], "BENCH_WECHAT_OVERRIDES": args.override}
    server = Gunicorn(CONFIGS[args.config], int(os.environ.get("BENCH_PORT", "8040")), env)
    out = ROOT / "bench" / "results" / f"profile-{contender.key}-{args.config}-{args.mode}.txt"
    out.parent.mkdir(parents=True, exist_ok=True)
    try:
        server.wait_ready()
        import httpx

        with httpx.Client(base_url=server.url, timeout=10.0) as client:
            print(verify.check(client, contender, creds, factory), flush=True)
        with tempfile.TemporaryDirectory(prefix="djwechat-profile-") as tmp:
            requests = Path(tmp) / "requests.txt"
            payloads.write_file(
                requests, contender, count=int(4000 * (args.seconds + 3)), factory=factory, creds=creds
            )
            load = subprocess.Popen(
                [
                    wrk_binary(),
                    "-t1",
                    f"-c{args.connections}",
                    f"-d{args.seconds + 2}s",
                    "-s",
                    str(FEED),
                    server.url,
                    "--",
                    str(requests),
                    "1",
                ],
                stdout=subprocess.PIPE,
                text=True,
            )
            time.sleep(1.0)
            cpu_before = server.cpu_split()
            if args.sampler == "py-spy":
                subprocess.run(
                    [
                        spy,
                        "record",
                        "--pid",
                        str(server.pid),
                        "--subprocesses",
                        "--nonblocking",
                        "--format",
                        "raw",
                        *(["--gil"] if args.mode == "cpu" else ["--idle"]),
                        "--rate",
                        str(args.rate),
                        "--duration",
                        str(args.seconds),
                        "--output",
                        str(out),
                    ],
                    check=True,
                    capture_output=True,
                )
            else:
                time.sleep(args.seconds)
            user, system = (
                after - before for after, before in zip(server.cpu_split(), cpu_before, strict=True)
            )
            cpu = user + system
            stdout, _ = load.communicate(timeout=args.seconds + 60)
    finally:
        server.stop()
        fixtures.forget_keys(os.environ.get("BENCH_KEY_PREFIX", "djwechat-bench"))
    summary = next((line for line in stdout.splitlines() if line.startswith("WRK_JSON ")), "")
    data = json.loads(summary.removeprefix("WRK_JSON ")) if summary else {}
    rps = data.get("requests", 0) / (data.get("duration_us", 1) / 1e6)
    print(f"{rps:.0f} req/s under sampling; non-2xx {data.get('non2xx')}; wraps {data.get('wraps')}")
    per_request = cpu / (rps * args.seconds) * 1e6 if rps else 0.0
    print(
        f"worker CPU while sampled: {cpu:.2f} s (user {user:.2f}, system {system:.2f}) = "
        f"{per_request:.0f} us per request; stacks: {out}"
    )
    if args.sampler == "py-spy":
        print(summarise(out, args.top))
    return 0
