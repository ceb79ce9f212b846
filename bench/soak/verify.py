"""The soak's figures and invariants: locust's statistics per kind of request, then the state
left in the database and at the simulator."""

from __future__ import annotations

import csv
import json
import re
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

import httpx
import psycopg

from bench.soak import handlings
from djwechat.testing import SimulatorControl

#: Logged-out sessions whose tokens are tried again at the end (each costs two requests).
RECHECKED_LOGOUTS = 200


def _stats(path: Path) -> list[dict[str, Any]]:
    rows = []
    with path.open() as handle:
        for row in csv.DictReader(handle):
            rows.append(
                {
                    "name": row["Name"],
                    "requests": int(row["Request Count"]),
                    "unexpected": int(row["Failure Count"]),
                    "p50_ms": float(row["50%"] or 0),
                    "p99_ms": float(row["99%"] or 0),
                }
            )
    return rows


def _ledger(path: Path) -> list[dict[str, Any]]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def _database(database_url: str) -> dict[str, int]:
    with psycopg.connect(database_url) as db:
        one = lambda sql: int(db.execute(sql).fetchone()[0])  # noqa: E731
        return {
            "users": one("select count(*) from users_user"),
            "identities": one("select count(*) from djwechat_accounts_identity"),
            "duplicate_identities": one(
                "select count(*) from (select 1 from djwechat_accounts_identity"
                " group by provider, app_id, openid having count(*) > 1) d"
            ),
            "people_split_over_users": one(
                "select count(*) from (select 1 from djwechat_accounts_identity where unionid is not null"
                " group by unionid having count(distinct user_id) > 1) d"
            ),
            "orphan_sessions": one(
                "select count(*) from djwechat_jwt_jwtsession s"
                " where not exists (select 1 from users_user u where u.id = s.user_id)"
            ),
            "sessions": one("select count(*) from djwechat_jwt_jwtsession"),
        }


def _late_replies(
    ledger: Path, sim: SimulatorControl, oa_app_id: str
) -> tuple[dict[str, int], dict[str, int]]:
    """Acknowledged "slow" pushes and the late replies delivered, per follower."""
    expected: dict[str, int] = defaultdict(int)
    for entry in _ledger(ledger):
        if entry["kind"] == "slow" and entry["acknowledged"]:
            expected[entry["openid"]] += 1
    delivered: dict[str, int] = defaultdict(int)
    for message in sim.messages(app_id=oa_app_id):
        if "Sorry for the wait" in json.dumps(message["payload"]):
            delivered[message["openid"]] += 1
    return expected, delivered


def wait_for_late_replies(ledger: Path, sim: SimulatorControl, oa_app_id: str, *, timeout: float) -> None:
    """Until every acknowledged slow push has its late reply (or ``timeout`` seconds)."""
    deadline = time.monotonic() + timeout
    time.sleep(7)  # the handler's 6 s
    while time.monotonic() < deadline:
        expected, delivered = _late_replies(ledger, sim, oa_app_id)
        if sum(delivered.values()) >= sum(expected.values()):
            return
        time.sleep(1)


def check(
    *,
    stats: Path,
    ledger: Path,
    database_url: str,
    site: str,
    sim: SimulatorControl,
    oa_app_id: str,
    token_fetches: int,
    faults: bool,
    schedule: list[str],
    runs: Path,
    kills: dict[int, float],
) -> dict[str, Any]:
    """Everything the report says; ``broken`` lists the invariants that do not hold.

    ``runs`` is the "count" handler's journal (:mod:`bench.soak.handlings`), ``kills`` the pid
    of each worker the fault schedule killed and when (Unix time).
    """
    rows = _stats(stats)
    entries = _ledger(ledger)
    broken: list[str] = []
    invariants: dict[str, Any] = {}

    db = _database(database_url)
    invariants["database"] = db
    for name in ("duplicate_identities", "people_split_over_users", "orphan_sessions"):
        if db[name]:
            broken.append(f"{name}: {db[name]}")

    logouts = [e for e in entries if e["kind"] == "logout"][:RECHECKED_LOGOUTS]
    accepted = 0
    with httpx.Client(base_url=site, timeout=10) as client:
        for entry in logouts:
            me = client.get("/auth/me/", headers={"Authorization": f"Bearer {entry['access']}"})
            again = client.post("/auth/token/refresh/", json={"refresh": entry["refresh"]})
            accepted += me.status_code != 401
            accepted += again.status_code != 401
    invariants["revoked_sessions_rechecked"] = len(logouts)
    if accepted:
        broken.append(f"revoked sessions accepted again: {accepted}")

    pushes = [e for e in entries if e["kind"] == "push"]
    journal = handlings.read(runs)
    verdict = handlings.judge(pushes, journal, kills)
    counts: dict[str, list[int]] = defaultdict(list)
    for entry in pushes:
        if entry["answers"]:
            found = re.search(r"count (\d+) time", entry["answers"][0])
            if found:
                counts[entry["openid"]].append(int(found.group(1)))
    gaps = [openid for openid, seen in counts.items() if sorted(seen) != list(range(1, len(seen) + 1))]
    invariants["pushes"] = len(pushes)
    invariants["pushes_answered"] = sum(1 for e in pushes if e["answers"])
    invariants["duplicate_deliveries"] = sum(max(0, len(e["answers"]) - 1) for e in pushes)
    invariants["handler_runs"] = sum(len(found) for found in journal.values())
    invariants["pushes_rerun_after_their_worker_was_killed"] = len(verdict.rerun_after_kill)
    if verdict.answered_differently:
        broken.append(f"duplicates answered differently (handled twice): {len(verdict.answered_differently)}")
    if verdict.run_twice:
        broken.append(f"pushes run twice by live workers: {len(verdict.run_twice)}")
    # A Redis restart forgets each follower's count (conversation state lives in the cache).
    if gaps and not faults:
        broken.append(f"followers whose pushes were not each handled exactly once: {len(gaps)}")
    invariants["followers_with_count_gaps"] = len(gaps)

    expected, delivered = _late_replies(ledger, sim, oa_app_id)
    invariants["late_replies_expected"] = sum(expected.values())
    invariants["late_replies_delivered"] = sum(delivered.values())
    wrong = {o for o in set(expected) | set(delivered) if expected[o] != delivered[o]}
    if wrong and not faults:
        broken.append(f"followers whose late replies were not delivered exactly once: {len(wrong)}")
    invariants["followers_with_late_reply_mismatch"] = len(wrong)

    invariants["token_fetches"] = token_fetches
    # One token per expiry (7200 s): one fetch, plus one after each time Redis came back empty.
    allowed_fetches = 1 + (1 if faults else 0)
    if token_fetches > allowed_fetches:
        broken.append(f"access token fetched {token_fetches} times (at most {allowed_fetches})")

    total = sum(r["requests"] for r in rows if r["name"] != "Aggregated")
    unexpected = sum(r["unexpected"] for r in rows if r["name"] != "Aggregated")
    fault_answers = sum(1 for e in entries if e["kind"] == "fault_answer")
    return {
        "requests": total,
        "unexpected": unexpected,
        "fault_answers": fault_answers,
        "kinds": [r for r in rows if r["name"] != "Aggregated"],
        "invariants": invariants,
        "broken": broken,
        "schedule": schedule,
    }


def render(report: dict[str, Any], *, duration: int, users: int, faults: bool) -> str:
    lines = [
        f"soak: {duration} s, {users} users{', fault schedule' if faults else ''}",
        f"requests {report['requests']}, unexpected {report['unexpected']}"
        + (f", documented fault answers (503 / reset) {report['fault_answers']}" if faults else ""),
        "",
        f"| {'kind':<20} | {'requests':>8} | {'unexpected':>10} | {'p50 ms':>7} | {'p99 ms':>7} |",
        f"|{'-' * 22}|{'-' * 10}:|{'-' * 11}:|{'-' * 8}:|{'-' * 8}:|",
    ]
    for row in sorted(report["kinds"], key=lambda r: r["name"]):
        lines.append(
            f"| {row['name']:<20} | {row['requests']:>8} | {row['unexpected']:>10} | {row['p50_ms']:>7.0f} | {row['p99_ms']:>7.0f} |"
        )
    lines += ["", "invariants: " + json.dumps(report["invariants"])]
    lines += [f"fault: {line}" for line in report["schedule"]]
    lines.append("broken: " + ("; ".join(report["broken"]) if report["broken"] else "none"))
    return "\n".join(lines)
