"""Lua scripts on the Redis behind a django-redis cache."""

from __future__ import annotations

import time

import pytest
from django.core.cache import cache

from djwechat._internal.rediscache import LuaScript, raw_redis


@pytest.mark.redis
def test_a_script_the_server_lacks_is_sent_once_then_run_by_its_sha(monkeypatch: pytest.MonkeyPatch) -> None:
    import redis.client

    sent: list[object] = []
    original = redis.client.Redis.execute_command

    def counting(self: redis.client.Redis, *args: object, **kwargs: object) -> object:
        sent.append(args[0])
        return original(self, *args, **kwargs)

    monkeypatch.setattr(redis.client.Redis, "execute_command", counting)
    runner = raw_redis(cache)
    assert runner is not None
    # A source no server has seen yet: its first EVALSHA is refused (NOSCRIPT).
    script = LuaScript(f"return {{KEYS[1], ARGV[1], '{time.time_ns()}'}}")
    key = runner.key("test-script")
    first = runner.run(script, [key], [b"value"])
    assert sent == ["EVALSHA", "EVAL"]
    sent.clear()
    assert runner.run(script, [key], [b"value"]) == first
    assert sent == ["EVALSHA"]
    assert first[:2] == [key.encode(), b"value"]
