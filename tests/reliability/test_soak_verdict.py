"""The soak's "handled once" verdict (bench/soak/handlings.py) on constructed journals: a
killed owner's run and its retry's are exempt, every other second run still breaks it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bench.soak.handlings import IN_FLIGHT_SECONDS, Run, judge, read

MSG = 7001
KILLED, LIVE, OTHER = 101, 102, 103
KILLED_AT = 1000.0


def runs(*found: tuple[int, float, int]) -> dict[int, list[Run]]:
    return {MSG: [Run(MSG, pid, started, f"count {n}") for pid, started, n in found]}


def push(*numbers: int) -> list[dict[str, object]]:
    return [{"msg_id": MSG, "answers": [f"count {n}" for n in numbers]}]


def test_a_killed_owners_run_and_its_retry_are_exempt() -> None:
    verdict = judge(
        push(3, 4), runs((KILLED, KILLED_AT - 0.1, 3), (LIVE, KILLED_AT + 4.0, 4)), {KILLED: KILLED_AT}
    )
    assert verdict.answered_differently == []
    assert verdict.run_twice == []
    assert verdict.rerun_after_kill == [MSG]


@pytest.mark.parametrize(
    ("journal", "kills"),
    [
        # Two live workers, nothing killed: the double run the invariant exists for.
        (runs((LIVE, 10.0, 3), (OTHER, 11.0, 4)), {}),
        # The same, in a run where another worker was killed.
        (runs((LIVE, KILLED_AT - 0.1, 3), (OTHER, KILLED_AT + 4.0, 4)), {KILLED: KILLED_AT}),
        # The retry started while the killed worker still lived: two live owners at once.
        (runs((KILLED, KILLED_AT - 0.5, 3), (LIVE, KILLED_AT - 0.1, 4)), {KILLED: KILLED_AT}),
        # The first run was long over when its worker died: its answer was stored by then.
        (
            runs((KILLED, KILLED_AT - IN_FLIGHT_SECONDS - 1, 3), (LIVE, KILLED_AT + 4.0, 4)),
            {KILLED: KILLED_AT},
        ),
        # The killed worker ran it second, after a live owner.
        (runs((LIVE, KILLED_AT - 2.0, 3), (KILLED, KILLED_AT - 0.1, 4)), {KILLED: KILLED_AT}),
        # One worker ran it twice (before it was killed).
        (runs((KILLED, KILLED_AT - 2.0, 3), (KILLED, KILLED_AT - 0.1, 4)), {KILLED: KILLED_AT}),
        # A third run, by live workers after the retry.
        (
            runs((KILLED, KILLED_AT - 0.1, 3), (LIVE, KILLED_AT + 4.0, 4), (OTHER, KILLED_AT + 5.0, 5)),
            {KILLED: KILLED_AT},
        ),
    ],
    ids=[
        "live-twice",
        "live-twice-other-killed",
        "retry-before-kill",
        "stale-run",
        "killed-second",
        "same-worker",
        "third-run",
    ],
)
def test_every_other_second_run_breaks_the_invariant(
    journal: dict[int, list[Run]], kills: dict[int, float]
) -> None:
    answers = [int(run.answer.split()[1]) for run in journal[MSG]]
    verdict = judge(push(*answers), journal, kills)
    assert verdict.answered_differently == [MSG]
    assert verdict.run_twice == [MSG]
    assert verdict.rerun_after_kill == []


def test_an_answer_no_run_gave_is_never_exempt() -> None:
    journal = runs((KILLED, KILLED_AT - 0.1, 3), (LIVE, KILLED_AT + 4.0, 4))
    verdict = judge(push(3, 9), journal, {KILLED: KILLED_AT})
    assert verdict.answered_differently == [MSG]


def test_answers_that_differ_with_one_run_break_it() -> None:
    verdict = judge(push(3, 4), runs((LIVE, 10.0, 3)), {})
    assert verdict.answered_differently == [MSG]
    assert verdict.run_twice == []


def test_the_journal_is_read_in_the_order_the_runs_started(tmp_path: Path) -> None:
    journal = tmp_path / "runs.jsonl"
    lines = [
        {"msg_id": MSG, "pid": LIVE, "started": KILLED_AT + 4.0, "answer": "count 4"},
        {"msg_id": MSG, "pid": KILLED, "started": KILLED_AT - 0.1, "answer": "count 3"},
        {"msg_id": MSG + 1, "pid": LIVE, "started": 5.0, "answer": "count 1"},
    ]
    journal.write_text("".join(json.dumps(line) + "\n" for line in lines))
    found = read(journal)
    assert [run.pid for run in found[MSG]] == [KILLED, LIVE]
    assert judge(push(3, 4), found, {KILLED: KILLED_AT}).rerun_after_kill == [MSG]
    assert read(tmp_path / "missing.jsonl") == {}
