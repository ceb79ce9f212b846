"""Retries and replays of one push run its handler once and all get the same answer."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.core.cache import cache
from django.test import Client

from djwechat._internal.xml import parse_xml
from djwechat.messaging.dedupe import DeliveryLedger

from . import routers
from .helpers import Peer, event_push, signed_query, text_push
from .test_endpoint import post


def test_a_retry_after_the_first_answer_gets_the_stored_reply(client: Client, configure) -> None:
    push = text_push("hello once", msg_id=777)
    first = post(client, signed_query(nonce="first"), push)
    retry = post(client, signed_query(nonce="second"), push)
    assert first.content == retry.content
    assert parse_xml(retry.content, max_size=0)["Content"] == "hello once"
    assert routers.calls["echo"] == 1


def test_an_exact_replay_is_served_like_a_retry(client: Client, configure) -> None:
    query, push = signed_query(nonce="replayed"), text_push("pay me", msg_id=778)
    answers = {post(client, query, push).content for _ in range(3)}
    assert len(answers) == 1
    assert routers.calls["echo"] == 1


def test_events_are_deduped_by_sender_time_and_name(client: Client, configure) -> None:
    created = int(time.time())
    follow = event_push("subscribe", openid="o-a", create_time=created)
    assert post(client, signed_query(nonce="1"), follow).status_code == 200
    assert post(client, signed_query(nonce="2"), follow).status_code == 200
    assert routers.calls["subscribe"] == 1
    # Another user, or the same user at another second, is another event.
    post(client, signed_query(nonce="3"), event_push("subscribe", openid="o-b", create_time=created))
    post(client, signed_query(nonce="4"), event_push("subscribe", openid="o-a", create_time=created + 1))
    assert routers.calls["subscribe"] == 3


def test_encrypted_retries_are_encrypted_for_their_own_nonce(client: Client, configure) -> None:
    configure(MESSAGE_MODE="safe")
    peer = Peer()
    push = text_push("secret once", msg_id=779)
    replies = []
    for nonce in ("n-one", "n-two"):
        query, body = peer.encrypted_query_and_body(push, nonce=nonce)
        response = post(client, query, body)
        assert f"<Nonce><![CDATA[{nonce}]]></Nonce>" in response.content.decode()
        replies.append(parse_xml(peer.open_reply(response.content.decode()), max_size=0)["Content"])
    assert replies == ["secret once", "secret once"]
    assert routers.calls["echo"] == 1


def _deliver_concurrently(push: str, *, count: int = 3, mode: str = "plain") -> list[bytes]:
    peer = Peer()
    barrier = threading.Barrier(count)

    def deliver(i: int) -> bytes:
        if mode == "safe":
            query, body = peer.encrypted_query_and_body(push, nonce=f"c{i}")
        else:
            query, body = signed_query(nonce=f"c{i}"), push
        barrier.wait()
        response = post(Client(), query, body)
        assert response.status_code == 200
        return peer.open_reply(response.content.decode()).encode() if mode == "safe" else response.content

    with ThreadPoolExecutor(count) as pool:
        return list(pool.map(deliver, range(count)))


def test_three_concurrent_deliveries_run_the_handler_once(configure_threaded) -> None:
    """The first delivery blocks in its handler while the two retries arrive and wait for it."""
    push = text_push("block", msg_id=780)
    with ThreadPoolExecutor(3) as pool:
        first = pool.submit(lambda: post(Client(), signed_query(nonce="a"), push).content)
        assert routers.started.wait(10)
        retries = [pool.submit(lambda n=n: post(Client(), signed_query(nonce=n), push).content) for n in "bc"]
        # Let the retries reach the ledger and start waiting before the handler returns.
        time.sleep(0.3)
        routers.release.set()
        answers = [first.result(10)] + [r.result(10) for r in retries]
    assert len(set(answers)) == 1
    assert parse_xml(answers[0], max_size=0)["Content"] == "finally done"
    assert routers.calls["block"] == 1


@pytest.mark.parametrize("mode", ["plain", "safe"])
def test_simultaneous_deliveries(configure_threaded, mode: str) -> None:
    configure_threaded(MESSAGE_MODE=mode)
    answers = _deliver_concurrently(
        text_push(f"together {mode}", msg_id=781 if mode == "plain" else 782), mode=mode
    )
    assert len(set(answers)) == 1
    assert parse_xml(answers[0], max_size=0)["Content"] == f"together {mode}"
    assert routers.calls["echo"] == 1


def test_ledger_wait_times_out_on_a_pending_push(transactional_db) -> None:
    ledger = DeliveryLedger(cache, prefix="test-ledger", ttl=30)
    assert ledger.claim("p1")
    assert not ledger.claim("p1")
    assert ledger.wait("p1", 0.05) is None
    ledger.record("p1", "<xml/>")
    assert ledger.wait("p1", 0.05) == "<xml/>"
    assert ledger.wait("never-claimed", 0.05) is None


def test_a_claim_is_a_lease_that_ends_without_an_answer(transactional_db) -> None:
    ledger = DeliveryLedger(cache, prefix="test-lease", ttl=30, lease=0.2)
    assert ledger.claim("p2")
    assert not ledger.claim("p2")
    time.sleep(0.3)
    assert ledger.wait("p2", 0.05) is None  # no key: the owner's lease ran out
    assert ledger.claim("p2")
    ledger.record("p2", "<xml/>")  # an answer is kept for the whole TTL
    time.sleep(0.3)
    assert not ledger.claim("p2")
    assert ledger.wait("p2", 0.05) == "<xml/>"


@pytest.fixture
def redis_commands(monkeypatch: pytest.MonkeyPatch) -> list[object]:
    """The Redis commands this thread sends (a script is one ``EVALSHA``)."""
    import redis.client

    sent: list[object] = []
    original = redis.client.Redis.execute_command

    def counting(self: redis.client.Redis, *args: object, **kwargs: object) -> object:
        sent.append(args[0])
        return original(self, *args, **kwargs)

    monkeypatch.setattr(redis.client.Redis, "execute_command", counting)
    return sent


@pytest.mark.redis
def test_on_redis_binding_and_claiming_take_one_round_trip(transactional_db, redis_commands) -> None:
    ledger = DeliveryLedger(cache, prefix=f"test-admit-{time.monotonic_ns()}", ttl=30, lease=2.0)
    ledger.admit("1700000000", "n1", "raw:a", "a")  # loads the script once
    redis_commands.clear()
    admitted = ledger.admit("1700000000", "n2", "raw:b", "b")
    assert (admitted.bound, admitted.claimed, admitted.stored) == (True, True, None)
    assert redis_commands == ["EVALSHA"]
    lease_ms = cache.pttl(ledger.key("b"))
    assert 0 < lease_ms <= 2000
    # The same signed pair with another use is a reused signature: nothing is claimed.
    refused = ledger.admit("1700000000", "n2", "raw:c", "c")
    assert not refused.bound
    assert ledger.claim("c")
    # A retry of an answered push brings the answer back in the same round trip.
    ledger.record("b", "<xml>b</xml>")
    redis_commands.clear()
    retry = ledger.admit("1700000000", "n3", "raw:b", "b")
    assert (retry.bound, retry.claimed, retry.stored) == (True, False, "<xml>b</xml>")
    assert redis_commands == ["EVALSHA"]
    # While the owner runs, a retry finds the claim pending; the stored values read back as usual.
    pending = ledger.admit("1700000000", "n4", "raw:a", "a")
    assert (pending.bound, pending.claimed, pending.stored) == (True, False, None)
    assert cache.get(ledger.key("b")) == ("done", "<xml>b</xml>")


@pytest.mark.redis
def test_on_redis_a_deferred_answer_rides_with_the_next_admission(transactional_db, redis_commands) -> None:
    ledger = DeliveryLedger(cache, prefix=f"test-defer-{time.monotonic_ns()}", ttl=30, lease=2.0)
    assert ledger.admit("1700000000", "d1", "raw:x", "x").claimed
    ledger.record("x", "<xml>x</xml>", defer=True)
    redis_commands.clear()
    # The next push of this process stores it: still one round trip.
    assert ledger.admit("1700000000", "d2", "raw:y", "y").claimed
    assert redis_commands == ["EVALSHA"]
    assert cache.get(ledger.key("x")) == ("done", "<xml>x</xml>")
    assert cache.ttl(ledger.key("x")) > 2  # the answer's TTL, not the lease's


@pytest.mark.redis
def test_on_redis_a_deferred_answer_is_stored_soon_without_more_traffic(transactional_db) -> None:
    prefix = f"test-flush-{time.monotonic_ns()}"
    ledger = DeliveryLedger(cache, prefix=prefix, ttl=30, lease=2.0)
    assert ledger.admit("1700000000", "f1", "raw:z", "z").claimed
    ledger.record("z", "<xml>z</xml>", defer=True)
    # Another process's retry meanwhile waits for it, and gets it from the flusher thread.
    other = DeliveryLedger(cache, prefix=prefix, ttl=30, lease=2.0)
    assert other.wait("z", 1.5) == "<xml>z</xml>"
