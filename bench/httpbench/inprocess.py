"""In-process microseconds per operation, djwechat next to the peers, interleaved rounds.

No network but the cache's and the database's own round trips: what each step costs inside one
Python process, to set against what the HTTP figures show.  Runs in the harness process after
the HTTP rounds, on the same PostgreSQL + Redis.
"""

from __future__ import annotations

import itertools
import statistics
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass

from bench.httpbench.fixtures import Credentials
from bench.httpbench.payloads import PushFactory
from bench.site.settings import OA_AES_KEY, OA_SAFE_APP_ID, OA_TOKEN


@dataclass(frozen=True, slots=True)
class Operation:
    """One timed call; ``context`` is entered around each timing batch (e.g. a setting override)."""

    group: str
    name: str
    call: Callable[[], object]
    context: Callable[[], AbstractContextManager[object]] = nullcontext


def _stream(items: list[object]) -> Iterator[object]:
    return itertools.cycle(items)


def _token_ops(creds: Credentials) -> list[Operation]:
    from rest_framework_simplejwt.authentication import JWTAuthentication as SimpleJWTAuthentication

    from djwechat.jwt import session_tokens as tokens

    ours = creds.headers["djwechat"][0].split()[-1]
    theirs = creds.headers["simplejwt"][0].split()[-1].encode()
    simple = SimpleJWTAuthentication()
    validated = simple.get_validated_token(theirs)

    def first_sight() -> object:
        tokens._forget_verified()  # as for a token this process has not verified yet
        return tokens.decode(ours, "access")

    return [
        Operation("token verify", "djwechat tokens.decode (HS256), first sight", first_sight),
        Operation(
            "token verify",
            "djwechat tokens.decode, a token this process verified before",
            lambda: tokens.decode(ours, "access"),
        ),
        Operation(
            "token verify", "simplejwt get_validated_token", lambda: simple.get_validated_token(theirs)
        ),
        Operation("session load", "simplejwt get_user (one query)", lambda: simple.get_user(validated)),
    ]


def _session_ops(creds: Credentials) -> list[Operation]:
    from django.conf import settings
    from django.contrib.sessions.backends.cache import SessionStore as DjangoSession
    from django.test import RequestFactory, override_settings

    from djwechat.jwt import session_tokens as tokens
    from djwechat.jwt.request_auth import _STATE_ATTR, authenticate_request
    from djwechat.jwt.session_store import SessionStore

    access = creds.headers["djwechat"][0].split()[-1]
    sid = tokens.decode(access, "access")["sid"]
    django_key = creds.headers["django"][0].rpartition("=")[2]
    request = RequestFactory().get("/", HTTP_AUTHORIZATION=f"Bearer {access}")
    cached = {**settings.WECHAT, "JWT": {**settings.WECHAT["JWT"], "SESSION_CACHE_SECONDS": 1}}

    def authenticate() -> object:
        request.__dict__.pop(_STATE_ATTR, None)
        return authenticate_request(request)

    def one_second() -> AbstractContextManager[object]:
        return override_settings(WECHAT=cached)

    invalidated = {**settings.WECHAT, "JWT": {**settings.WECHAT["JWT"], "SESSION_INVALIDATION": "pubsub"}}

    @contextmanager
    def pubsub() -> Iterator[object]:
        from djwechat.jwt import record_cache

        with override_settings(WECHAT=invalidated):
            deadline = time.monotonic() + 10
            while (channel := record_cache.channel()) is None or not channel.serving():
                if time.monotonic() > deadline:
                    raise RuntimeError("the invalidation channel does not serve")
                time.sleep(0.005)
            yield None

    return [
        Operation("session load", "djwechat load_record, strict", lambda: SessionStore(sid).load_record()),
        Operation(
            "session load",
            "djwechat load_record, SESSION_CACHE_SECONDS=1",
            lambda: SessionStore(sid).load_record(),
            one_second,
        ),
        Operation("session load", "Django cache session load", lambda: DjangoSession(django_key).load()),
        Operation("authenticate request", "djwechat authenticate_request, strict", authenticate),
        Operation(
            "authenticate request",
            "djwechat authenticate_request, SESSION_CACHE_SECONDS=1",
            authenticate,
            one_second,
        ),
        Operation(
            "authenticate request",
            "djwechat authenticate_request, SESSION_INVALIDATION=pubsub",
            authenticate,
            pubsub,
        ),
    ]


def _message_ops(factory: PushFactory) -> list[Operation]:
    from wechatpy import create_reply
    from wechatpy import parse_message as wechatpy_parse
    from wechatpy.crypto import WeChatCrypto
    from werobot import WeRoBot
    from werobot.parser import parse_xml as werobot_xml
    from werobot.parser import process_message
    from werobot.replies import TextReply as WeRoBotText

    from djwechat._internal.msgcrypt import MessageCrypto
    from djwechat._internal.xml import parse_xml
    from djwechat.messaging import TextReply, parse_message

    plain = factory.make("plain")
    safe = factory.make("safe")
    body = plain.body.encode()
    query = dict(item.split("=", 1) for item in safe.query.split("&"))
    ts, nonce, sig = query["timestamp"], query["nonce"], query["msg_signature"]
    encrypt = str(parse_xml(safe.body, max_size=0)["Encrypt"])
    ours_crypto = MessageCrypto(token=OA_TOKEN, encoding_aes_key=OA_AES_KEY, app_id=OA_SAFE_APP_ID)
    wechatpy_crypto = WeChatCrypto(OA_TOKEN, OA_AES_KEY, OA_SAFE_APP_ID)
    robot = WeRoBot(token=OA_TOKEN, app_id=OA_SAFE_APP_ID, encoding_aes_key=OA_AES_KEY, SESSION_STORAGE=False)
    ours_msg = parse_message(parse_xml(body, max_size=0))
    wechatpy_msg = wechatpy_parse(body)
    werobot_msg = process_message(werobot_xml(body))

    def ours_round_trip() -> object:
        opened = ours_crypto.decrypt(encrypt, msg_signature=sig, timestamp=ts, nonce=nonce)
        message = parse_message(parse_xml(opened.text, max_size=0))
        xml = TextReply(message.content).render(  # type: ignore[attr-defined]
            to_user=message.from_user, from_user=message.to_user, create_time=int(ts)
        )
        return ours_crypto.encrypt(xml, timestamp=ts, nonce=nonce, key=opened.key).to_xml()

    def wechatpy_round_trip() -> object:
        message = wechatpy_parse(wechatpy_crypto.decrypt_message(safe.body, sig, ts, nonce))
        return wechatpy_crypto.encrypt_message(create_reply(message.content, message).render(), nonce, ts)

    def werobot_round_trip() -> object:
        message = robot.parse_message(safe.body, timestamp=ts, nonce=nonce, msg_signature=sig)
        return robot.crypto.encrypt_message(WeRoBotText(message=message, content=message.content))

    return [
        Operation(
            "message parse",
            "djwechat parse_xml + parse_message",
            lambda: parse_message(parse_xml(body, max_size=0)),
        ),
        Operation("message parse", "wechatpy parse_message", lambda: wechatpy_parse(body)),
        Operation(
            "message parse", "WeRoBot parse_xml + process_message", lambda: process_message(werobot_xml(body))
        ),
        Operation(
            "reply render",
            "djwechat TextReply.render",
            lambda: TextReply(ours_msg.content).render(  # type: ignore[attr-defined]
                to_user=ours_msg.from_user, from_user=ours_msg.to_user, create_time=1
            ),
        ),
        Operation(
            "reply render",
            "wechatpy create_reply().render",
            lambda: create_reply(wechatpy_msg.content, wechatpy_msg).render(),
        ),
        Operation(
            "reply render",
            "WeRoBot TextReply.render",
            lambda: WeRoBotText(message=werobot_msg, content=werobot_msg.content).render(),
        ),
        Operation("safe-mode round trip", "djwechat decrypt+parse+render+encrypt", ours_round_trip),
        Operation("safe-mode round trip", "wechatpy decrypt+parse+render+encrypt", wechatpy_round_trip),
        Operation("safe-mode round trip", "WeRoBot decrypt+parse+render+encrypt", werobot_round_trip),
    ]


def _server_ops(factory: PushFactory) -> list[Operation]:
    from djwechat.messaging.registry import get_server

    ops = []
    for mode in ("plain", "safe"):
        server = get_server(mode)

        def handle(server: object = server, mode: str = mode) -> object:
            push = factory.make(mode)
            query = dict(item.split("=", 1) for item in push.query.split("&"))
            return server.handle("POST", query, push.body.encode())  # type: ignore[attr-defined]

        ops.append(
            Operation("whole push (incl. making it)", f"djwechat MessageServer.handle, {mode}", handle)
        )
    ops.append(
        Operation(
            "whole push (incl. making it)", "making the push alone (plain)", lambda: factory.make("plain")
        )
    )
    ops.append(
        Operation(
            "whole push (incl. making it)", "making the push alone (safe)", lambda: factory.make("safe")
        )
    )
    return ops


def _cache_ops() -> list[Operation]:
    from django.core.cache import cache
    from django.db import connection
    from django_redis import get_redis_connection

    from bench.site.views import PROBE_KEY

    raw = get_redis_connection("default")
    raw_key = cache.make_key(PROBE_KEY)
    counter = itertools.count()
    cache.set("bench:inprocess", "x", 60)

    def pipeline() -> object:
        n = next(counter)
        batch = raw.pipeline(transaction=False)
        batch.set(cache.make_key(f"bench:nx:{n}:a"), 1, nx=True, ex=60)
        batch.set(cache.make_key(f"bench:nx:{n}:b"), 1, nx=True, ex=60)
        batch.get(raw_key)
        return batch.execute()

    def query() -> object:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            return cursor.fetchone()

    return [
        Operation("cache round trip", "django-redis get", lambda: cache.get(PROBE_KEY)),
        Operation(
            "cache round trip",
            "django-redis get_many (2 keys)",
            lambda: cache.get_many([PROBE_KEY, "bench:x"]),
        ),
        Operation(
            "cache round trip",
            "django-redis add (new key)",
            lambda: cache.add(f"bench:add:{next(counter)}", 1, 60),
        ),
        Operation("cache round trip", "django-redis set", lambda: cache.set("bench:inprocess", "x", 60)),
        Operation("cache round trip", "redis-py GET", lambda: raw.get(raw_key)),
        Operation(
            "cache round trip",
            "redis-py SET NX EX",
            lambda: raw.set(cache.make_key(f"bench:nx:{next(counter)}"), 1, nx=True, ex=60),
        ),
        Operation("cache round trip", "redis-py pipeline: SET NX EX, SET NX EX, GET", pipeline),
        Operation("cache round trip", "PostgreSQL SELECT 1 (Django cursor)", query),
    ]


def operations(creds: Credentials, factory: PushFactory) -> list[Operation]:
    """Every timed operation, grouped."""
    from bench.httpbench.wsgi_ops import pieces_ops, wsgi_ops

    return [
        *_token_ops(creds),
        *_session_ops(creds),
        *_message_ops(factory),
        *_server_ops(factory),
        *wsgi_ops(creds, factory),
        *pieces_ops(creds),
        *_cache_ops(),
    ]


#: The operations whose cache and database round trips are counted.
COUNTED = (
    "djwechat MessageServer.handle, plain",
    "djwechat MessageServer.handle, safe",
    "jwt-strict",
    "djwechat authenticate_request, strict",
    "djwechat authenticate_request, SESSION_CACHE_SECONDS=1",
    "djwechat authenticate_request, SESSION_INVALIDATION=pubsub",
    "Django cache session load",
    "simplejwt get_user (one query)",
)


def round_trips(ops: list[Operation], calls: int = 200) -> dict[str, tuple[float, float]]:
    """Redis commands (a pipeline counts once) and SQL queries per call of the :data:`COUNTED` operations."""
    import redis.client
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    counted = {"n": 0}
    originals = (redis.client.Redis.execute_command, redis.client.Pipeline.execute)

    def command(self: object, *args: object, **kwargs: object) -> object:
        counted["n"] += 1
        return originals[0](self, *args, **kwargs)  # type: ignore[arg-type]

    def pipeline(self: object, *args: object, **kwargs: object) -> object:
        counted["n"] += 1
        return originals[1](self, *args, **kwargs)  # type: ignore[arg-type]

    result = {}
    redis.client.Redis.execute_command = command  # type: ignore[method-assign]
    redis.client.Pipeline.execute = pipeline  # type: ignore[method-assign]
    try:
        for op in ops:
            if op.name not in COUNTED:
                continue
            with op.context():
                op.call()
                counted["n"] = 0
                with CaptureQueriesContext(connection) as queries:
                    for _ in range(calls):
                        op.call()
            result[op.name] = (counted["n"] / calls, len(queries.captured_queries) / calls)
    finally:
        redis.client.Redis.execute_command, redis.client.Pipeline.execute = originals  # type: ignore[method-assign]
    return result


def measure(ops: list[Operation], *, rounds: int, seconds: float) -> dict[str, tuple[float, float]]:
    """Median wall and CPU µs per call of each operation over ``rounds`` interleaved rounds.

    CPU is the process's (every thread: the guard's pool included), so on a busy machine it
    moves less than wall time, which also counts the waits for a core.
    """
    samples: dict[str, list[tuple[float, float]]] = {op.name: [] for op in ops}
    for _ in range(rounds):
        for op in ops:
            with op.context():
                op.call()  # warm: first call after a setting change misses on purpose
                calls, started, cpu_started = 0, time.perf_counter(), time.process_time()
                deadline = started + seconds
                while True:
                    for _ in range(20):
                        op.call()
                    calls += 20
                    now = time.perf_counter()
                    if now >= deadline:
                        break
                cpu = time.process_time() - cpu_started
            samples[op.name].append(((now - started) / calls * 1e6, cpu / calls * 1e6))
    return {
        name: (statistics.median(w for w, _ in values), statistics.median(c for _, c in values))
        for name, values in samples.items()
    }
