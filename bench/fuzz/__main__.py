"""``python -m bench.fuzz``: schemathesis against the running example site's OpenAPI schema.

Starts the example site under gunicorn as in production (``DEBUG=0``, SQLite and the database
cache in a scratch directory, login throttles off, the simulator as WeChat), logs a password user
in so that authenticated operations are reached, and runs ``schemathesis run`` on
``/api/schema/``: every phase (examples, coverage, fuzzing, and stateful sequences where the
schema's links allow), ``--max-examples`` per operation, with the checks that hold for any
endpoint: no 5xx, and status codes, content types, headers and bodies as the schema documents
them. Exits with schemathesis's status (non-zero on any failure).

Needs the example site's OpenAPI schema at ``/api/schema/`` (drf-spectacular) and
schemathesis (``pip install 'schemathesis>=4'``). ``--smoke`` is a short run (10 examples per operation); the long run is
``python -m bench.fuzz --max-examples 500``.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from bench.soak.__main__ import (
    MP_APP_ID,
    MP_SECRET,
    OA_AES_KEY,
    OA_APP_ID,
    OA_SECRET,
    OA_TOKEN,
    ROOT,
    WEB_APP_ID,
    WEB_SECRET,
    Gunicorn,
    manage,
    site_environment,
    start_simulator,
)
from djwechat.testing import SimulatorControl

CHECKS = ",".join(
    [
        "not_a_server_error",
        "status_code_conformance",
        "content_type_conformance",
        "response_headers_conformance",
        "response_schema_conformance",
        "negative_data_rejection",
    ]
)
PASSWORD = "fuzz correct horse battery"


def parse() -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.fuzz", description=__doc__)
    parser.add_argument("--max-examples", type=int, default=100, help="examples per operation (default 100)")
    parser.add_argument("--smoke", action="store_true", help="CI's short run: 10 examples per operation")
    parser.add_argument("--seed", type=int, default=14, help="schemathesis seed (default 14: reproducible)")
    parser.add_argument("--port-base", type=int, default=int(os.environ.get("FUZZ_PORT_BASE", "18420")))
    args, extra = parser.parse_known_args()
    args.extra = extra
    if args.smoke:
        args.max_examples = min(args.max_examples, 10)
    return args


def main() -> int:
    args = parse()
    binary = shutil.which("schemathesis", path=str(Path(sys.executable).parent)) or shutil.which(
        "schemathesis"
    )
    if binary is None:
        print("schemathesis is not installed: pip install 'schemathesis>=4'", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="djwechat-fuzz-") as scratch:
        simulator = start_simulator(args.port_base + 1)
        sim = SimulatorControl(f"http://127.0.0.1:{args.port_base + 1}")
        sim.register_app(MP_APP_ID, MP_SECRET)
        site_url = f"http://127.0.0.1:{args.port_base}"
        sim.register_app(WEB_APP_ID, WEB_SECRET, type="website", redirect_domains=["127.0.0.1"])
        sim.register_app(
            OA_APP_ID, OA_SECRET, type="official_account", token=OA_TOKEN, encoding_aes_key=OA_AES_KEY
        )
        env = site_environment(
            f"sqlite:///{scratch}/fuzz.sqlite3", sim.base_url, WECHAT_SITE_URL=site_url,
            WECHAT_WEB_APP_ID=WEB_APP_ID, WECHAT_WEB_APP_SECRET=WEB_SECRET, WECHAT_OA_APP_ID=OA_APP_ID,
            WECHAT_OA_APP_SECRET=OA_SECRET, WECHAT_OA_TOKEN=OA_TOKEN, WECHAT_OA_ENCODING_AES_KEY=OA_AES_KEY,
        )  # fmt: skip
        site: Gunicorn | None = None
        try:
            manage(env, "migrate", "--noinput")
            manage(env, "createcachetable")
            script = (
                "from django.contrib.auth import get_user_model as g\n"
                f"g().objects.create_user(username='fuzz', password={PASSWORD!r})"
            )
            manage(env, "shell", "-c", script)
            site = Gunicorn(args.port_base, env, workers=2, threads=4)
            command = [
                binary, "--config-file", str(Path(__file__).with_name("schemathesis.toml")), "run", f"{site_url}/api/schema/", "--url", site_url,
                "--checks", CHECKS, "--max-examples", str(args.max_examples), "--seed", str(args.seed),
                "--phases", "examples,coverage,fuzzing,stateful", "--request-timeout", "30",
                "--continue-on-failure",
                "--report", "junit", "--report-dir", str(ROOT / "build" / "fuzz"), *args.extra,
            ]  # fmt: skip
            return subprocess.run(
                command, cwd=ROOT, env={**os.environ, "FUZZ_PASSWORD": PASSWORD}, check=False
            ).returncode
        finally:
            if site is not None:
                site.stop()
            simulator.terminate()
            simulator.wait(15)


if __name__ == "__main__":
    sys.exit(main())
