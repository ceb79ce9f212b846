"""A push whose worker is killed mid-handler is not lost: WeChat's retry runs the handler.

gunicorn (2 sync workers) serves ``tests.messaging.deathsite``, whose handler hangs on the first
run of each text.  The test kills that worker with SIGKILL, pushes WeChat's retry, and checks that
the retry gets a real reply from a second run - once, on the database cache and on Redis.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path

import httpx
import pytest

from djwechat._internal.xml import parse_xml

from .helpers import signed_query, text_push

ROOT = Path(__file__).resolve().parents[2]
#: ``HANDLER_BUDGET`` of the site: the lease of a claim.
LEASE = 1.5


@dataclass
class Site:
    url: str
    runs: Path

    def deliver(self, push: str, *, timeout: float = 20.0) -> httpx.Response:
        return httpx.post(self.url, params=signed_query(), content=push, timeout=timeout)

    def runs_of(self, text: str) -> list[int]:
        """The pids of the workers that ran the handler for ``text``, in order."""
        files = sorted(self.runs.glob(f"{text}-*"), key=lambda p: int(p.name.rsplit("-", 1)[1]))
        return [int(p.name.rsplit("-", 2)[1]) for p in files]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _workers(master: int) -> list[int]:
    try:
        return [int(pid) for pid in Path(f"/proc/{master}/task/{master}/children").read_text().split()]
    except OSError:
        return []


@pytest.fixture(scope="module", params=["database-cache", pytest.param("redis", marks=pytest.mark.redis)])
def site(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    runs = tmp_path_factory.mktemp(request.param)
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "tests.messaging.deathsite", "DEATHSITE_DIR": str(runs)}
    if request.param == "redis":
        env["DEATHSITE_REDIS_URL"] = os.environ["REDIS_URL"]
        env["DEATHSITE_PREFIX"] = f"deathsite-{os.environ.get('TEST_DB_NAME', '')}-{uuid.uuid4().hex}"
    else:
        subprocess.run([sys.executable, "-m", "django", "createcachetable"], env=env, cwd=ROOT, check=True)
    port = _free_port()
    command = [sys.executable, "-m", "gunicorn", "--workers", "2", "--bind", f"127.0.0.1:{port}"]
    command += ["--log-level", "warning", "--timeout", "120"]
    if int(version("gunicorn").split(".")[0]) >= 27:
        command.append("--no-control-socket")  # one fixed path per user otherwise
    master = subprocess.Popen([*command, "django.core.wsgi:get_wsgi_application()"], env=env, cwd=ROOT)
    url = f"http://127.0.0.1:{port}/wechat/oa/"
    try:
        deadline = time.monotonic() + 60
        while True:
            assert master.poll() is None, "gunicorn exited"
            assert time.monotonic() < deadline, "gunicorn did not start"
            try:
                if httpx.get(url, timeout=2).status_code == 403 and len(_workers(master.pid)) == 2:
                    break
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        yield Site(url, runs)
    finally:
        master.terminate()
        try:
            master.wait(20)
        except subprocess.TimeoutExpired:
            master.kill()
            master.wait(5)
        if request.param == "redis":
            import redis

            client = redis.Redis.from_url(os.environ["REDIS_URL"])
            for key in client.scan_iter(f"*{env['DEATHSITE_PREFIX']}*"):
                client.delete(key)


def _kill_mid_handler(site: Site, text: str, push: str) -> int:
    """Deliver ``push``, SIGKILL the worker once its handler runs; the killed worker's pid."""
    with ThreadPoolExecutor(1) as pool:
        first = pool.submit(site.deliver, push)
        deadline = time.monotonic() + 30
        while not site.runs_of(text):
            assert time.monotonic() < deadline, "the handler never started"
            time.sleep(0.01)
        (owner,) = site.runs_of(text)
        os.kill(owner, signal.SIGKILL)
        with pytest.raises(httpx.HTTPError):
            first.result(30)
    return owner


def _reply_text(response: httpx.Response) -> str:
    assert response.status_code == 200, response.text
    return str(parse_xml(response.content, max_size=0)["Content"])


def test_a_retry_waiting_on_a_dead_owner_runs_the_handler(site: Site) -> None:
    """The retry arrives while the killed owner's lease still holds: it takes over when it ends."""
    push = text_push("waiting", msg_id=4101)
    owner = _kill_mid_handler(site, "waiting", push)
    assert _reply_text(site.deliver(push)) == "handled waiting"
    runs = site.runs_of("waiting")
    assert len(runs) == 2
    assert runs[1] != owner
    # The answer is stored now: later retries get it, and the handler does not run again.
    assert _reply_text(site.deliver(push)) == "handled waiting"
    assert len(site.runs_of("waiting")) == 2


def test_a_retry_after_the_lease_runs_the_handler_at_once(site: Site) -> None:
    """WeChat's retry comes 5 s after the first attempt: the lease of the dead owner has ended."""
    push = text_push("later", msg_id=4102)
    _kill_mid_handler(site, "later", push)
    time.sleep(LEASE + 0.2)
    assert _reply_text(site.deliver(push)) == "handled later"
    assert len(site.runs_of("later")) == 2
