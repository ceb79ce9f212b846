"""The shared access token, djwechat beside wechatpy.

Both clients fetch ``cgi-bin/token`` (djwechat with ``TOKEN_MODE="classic"`` so the endpoint is
the same) from the simulator over loopback HTTP, and keep the token in the same kind of store:
Redis when ``REDIS_URL`` is set (djwechat through django-redis, wechatpy through its
``RedisStorage``), process memory otherwise.

Rows:

* ``cold start``: ``BENCH_THREADS`` threads (default 50) of one process ask for the token at
  the same moment, with nothing stored. The figures are upstream token requests (each
  ``cgi-bin/token`` call revokes the previous token 5 minutes later) and distinct tokens handed
  out.
* ``warm read``: ``access_token()`` calls per second from one thread once the token is stored,
  and the ratio to wechatpy.

Run: ``.venv/bin/python bench/bench_token.py``.
"""

from __future__ import annotations

import os
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "src"), str(ROOT)]

THREADS = int(os.environ.get("BENCH_THREADS", "50"))
SECONDS = float(os.environ.get("BENCH_SECONDS", "2"))
REDIS_URL = os.environ.get("REDIS_URL", "")
APP_ID = "wxbench0oa00000001"
SECRET = "bench-oa-secret-000000000000001"


def configure(api_base_url: str) -> None:
    import django
    from django.conf import settings

    if REDIS_URL:
        cache = {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "djwechat-bench",
        }
    else:
        cache = {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    settings.configure(
        SECRET_KEY="bench",
        INSTALLED_APPS=["djwechat"],
        CACHES={"default": cache},
        WECHAT={
            "APPS": {
                "oa": {"TYPE": "official_account", "APP_ID": APP_ID, "APP_SECRET": SECRET, "TOKEN": "t"}
            },
            "API_BASE_URL": api_base_url,
            "CLIENT": {"TOKEN_MODE": "classic"},
        },
    )
    django.setup()


def wechatpy_client(api_base_url: str) -> Any:
    """wechatpy's client, unchanged except for the token URL (it hard-codes api.weixin.qq.com)."""
    from wechatpy import WeChatClient as WeChatPyClient
    from wechatpy.session.memorystorage import MemoryStorage

    class SimulatorWeChatPyClient(WeChatPyClient):  # type: ignore[misc]
        API_BASE_URL = f"{api_base_url}/cgi-bin/"

        def fetch_access_token(self) -> Any:
            return self._fetch_access_token(
                url=f"{api_base_url}/cgi-bin/token",
                params={"grant_type": "client_credential", "appid": self.appid, "secret": self.secret},
            )

    if REDIS_URL:
        import redis
        from wechatpy.session.redisstorage import RedisStorage

        storage: Any = RedisStorage(redis.Redis.from_url(REDIS_URL), prefix="djwechat-bench-wechatpy")
    else:
        storage = MemoryStorage()
    return SimulatorWeChatPyClient(APP_ID, SECRET, session=storage)


def stampede(get_token: Callable[[], str]) -> list[str]:
    barrier = threading.Barrier(THREADS)
    tokens: list[str] = []
    lock = threading.Lock()

    def work() -> None:
        barrier.wait()
        token = get_token()
        with lock:
            tokens.append(token)

    threads = [threading.Thread(target=work) for _ in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return tokens


def rate(get_token: Callable[[], str]) -> float:
    get_token()
    count, end = 0, time.perf_counter() + SECONDS
    while time.perf_counter() < end:
        get_token()
        count += 1
    return count / SECONDS


def main() -> int:
    from djwechat.simulator.server import SimulatorServer
    from djwechat.testing.control import SimulatorControl

    server = SimulatorServer("127.0.0.1", 0).start()
    try:
        configure(server.url)
        from django.core.cache import cache

        from djwechat.client import get_client

        control = SimulatorControl(server.url)
        control.reset()
        control.register_app(APP_ID, SECRET, type="official_account", token="t")
        ours = get_client("oa")
        theirs = wechatpy_client(server.url)
        cache.delete(ours.tokens.key)
        theirs.session.delete(theirs.access_token_key)

        rows = []
        for name, get_token in (("djwechat", ours.access_token), ("wechatpy", lambda: theirs.access_token)):
            control.clear_calls()
            tokens = stampede(get_token)
            fetches = len(control.calls(path="/cgi-bin/token"))
            rows.append((name, fetches, len(set(tokens)), rate(get_token)))
        store = "Redis" if REDIS_URL else "process memory"
        print(f"access token, {THREADS} threads at once, token stored in {store}")
        print(
            f"{'client':<10} {'upstream fetches':>17} {'distinct tokens':>16} {'warm reads/s':>13} {'ratio':>6}"
        )
        base = rows[1][3]
        for name, fetches, distinct, per_second in rows:
            print(f"{name:<10} {fetches:>17} {distinct:>16} {per_second:>13,.0f} {per_second / base:>6.2f}")
        control.close()
    finally:
        server.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
