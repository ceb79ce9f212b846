"""The one backoff schedule behind every wait on shared state."""

from __future__ import annotations

import time

from djwechat._internal.backoff import Backoff


def test_pauses_double_up_to_the_cap() -> None:
    backoff = Backoff(60, start=0.01, cap=0.05)
    assert [backoff.pause() for _ in range(5)] == [0.01, 0.02, 0.04, 0.05, 0.05]


def test_the_last_pause_is_cut_to_the_deadline_then_none() -> None:
    backoff = Backoff(0.05, start=10, cap=10)
    pause = backoff.pause()
    assert pause is not None
    assert 0 < pause <= 0.05
    time.sleep(pause)
    assert backoff.pause() is None


def test_a_spent_budget_gives_no_pause() -> None:
    assert Backoff(0, start=0.01, cap=0.1).pause() is None


def test_jitter_stays_within_half_to_one_and_a_half() -> None:
    pauses = [Backoff(60, start=0.1, cap=0.1, jitter=True).pause() for _ in range(200)]
    assert all(p is not None and 0.05 <= p < 0.15 for p in pauses)
    assert len(set(pauses)) > 1
