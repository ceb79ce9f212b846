"""Which worker ran each "count" push, and which second runs a killed worker explains.

The soak's router (:mod:`bench.soak.router`) appends one JSON line per run of the handler to
``SOAK_HANDLINGS``: the push's ``MsgId``, the worker's pid, when the run started, its answer.
A push's dedupe claim is a lease (docs/official-account.md, section 5): when its owner dies
before its answer is stored, the lease runs out and a retry runs the handler again, in a live
worker.  That second run is the documented "at least once"; any other is a push handled twice.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path
from typing import Any

#: How long a live owner holds a push before its answer is stored: the lease (the default
#: ``MESSAGES.HANDLER_BUDGET``, 4 s) and a second to spare.  A run that started earlier than
#: this before the kill was no longer in flight when its worker died.
IN_FLIGHT_SECONDS = 5.0


@dataclass(frozen=True, slots=True)
class Run:
    """One run of the handler: which push, in which worker process, from when (Unix time)."""

    msg_id: int
    pid: int
    started: float
    answer: str


def read(path: Path) -> dict[int, list[Run]]:
    """The runs of each push (by ``MsgId``), in the order they started."""
    runs: dict[int, list[Run]] = defaultdict(list)
    if path.exists():
        for line in path.read_text().splitlines():
            if line.strip():
                run = Run(**json.loads(line))
                runs[run.msg_id].append(run)
    return {msg_id: sorted(found, key=lambda run: run.started) for msg_id, found in runs.items()}


def rerun_after_kill(runs: list[Run], kills: dict[int, float]) -> bool:
    """Whether ``runs`` (one push's, in order) are a killed owner's run and its retry's.

    ``kills`` maps a SIGKILLed worker's pid to when it was killed.  Every run but the last must
    have been in flight in a worker when that worker was killed (started before the kill, by
    less than :data:`IN_FLIGHT_SECONDS`), and the next run must have started after the kill
    (the lease ran out).  A push handled twice by live owners is never explained.
    """
    if len(runs) < 2:
        return False
    for run, retry in pairwise(runs):
        killed_at = kills.get(run.pid)
        if killed_at is None or retry.pid == run.pid:
            return False
        if not (0 < killed_at - run.started < IN_FLIGHT_SECONDS and retry.started > killed_at):
            return False
    return True


@dataclass(frozen=True, slots=True)
class Verdict:
    """The pushes (``MsgId``) that broke "handled once", and those a killed worker explains.

    ``answered_differently``: a push whose deliveries got different answers, unexplained;
    ``run_twice``: a push the journal shows run more than once, unexplained;
    ``rerun_after_kill``: a push run again after its owner was killed (exempt from both).
    """

    answered_differently: list[int]
    run_twice: list[int]
    rerun_after_kill: list[int]


def judge(pushes: list[dict[str, Any]], runs: dict[int, list[Run]], kills: dict[int, float]) -> Verdict:
    """Judge the ledger's pushes (``msg_id``, ``answers``: what each delivery was answered).

    A push's answers may differ only when its runs are a killed owner's and its retry's
    (:func:`rerun_after_kill`) and every answer is one of theirs.
    """
    rerun = {msg_id for msg_id, found in runs.items() if rerun_after_kill(found, kills)}
    twice = sorted(msg_id for msg_id, found in runs.items() if len(found) > 1 and msg_id not in rerun)
    differently = []
    for push in pushes:
        answers = set(push["answers"])
        if len(answers) < 2:
            continue
        ran = runs.get(push["msg_id"], [])
        if push["msg_id"] not in rerun or not answers <= {run.answer for run in ran}:
            differently.append(push["msg_id"])
    return Verdict(sorted(differently), twice, sorted(rerun))
