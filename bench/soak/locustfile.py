"""The soak's traffic: Mini Program, QR and password logins, refreshes (some racing), reads,
logouts and Official Account pushes with WeChat-style retries, duplicates and late replies.

Run by ``python -m bench.soak`` (which sets the ``SOAK_*`` variables); each request is checked
against the answers its endpoint documents, and what the invariants need afterwards is appended
to ``SOAK_LEDGER`` (one JSON object a line).
"""

from __future__ import annotations

import itertools
import json
import os
import random
import time
from typing import Any

import gevent
import httpx
from locust import HttpUser, between, events, task

from djwechat.testing import SimulatorControl, push_message, text_message

SIM = SimulatorControl(os.environ.get("SOAK_SIM_URL", "http://127.0.0.1:18490"))
MP_APP_ID = os.environ.get("SOAK_MP_APP_ID", "")
OA_APP_ID = os.environ.get("SOAK_OA_APP_ID", "")
OA_TOKEN = os.environ.get("SOAK_OA_TOKEN", "")
OA_AES_KEY = os.environ.get("SOAK_OA_AES_KEY", "")
USERS = int(os.environ.get("SOAK_SIM_USERS", "40"))
PASSWORD_USERS = int(os.environ.get("SOAK_PASSWORD_USERS", "20"))
PASSWORD = os.environ.get("SOAK_PASSWORD", "")
#: Under a fault schedule a 503 (and a reset connection while a worker dies) is documented too.
FAULTS = bool(os.environ.get("SOAK_FAULTS"))
LEDGER = open(os.environ.get("SOAK_LEDGER", "/dev/null"), "a", buffering=1)  # noqa: SIM115
_msg_ids = itertools.count(int(time.time()) * 1000)
_people = itertools.count()
_followers = itertools.count()


def record(kind: str, **fields: Any) -> None:
    LEDGER.write(json.dumps({"kind": kind, **fields}) + "\n")


def allowed(*statuses: int) -> set[int]:
    return {*statuses, 503, 0} if FAULTS else set(statuses)


class Visitor(HttpUser):
    """One person: a fake WeChat user who logs in by each route, reads, refreshes and leaves."""

    wait_time = between(0.05, 0.3)
    weight = 3

    def on_start(self) -> None:
        self.person = f"soak-{next(_people) % USERS}"
        self.pair: dict[str, str] | None = None

    def check(self, name: str, response: Any, statuses: set[int]) -> bool:
        if response.status_code in statuses:
            if response.status_code == 503 or response.status_code == 0:
                record("fault_answer", name=name, status=response.status_code)
            response.success()
            return 200 <= response.status_code < 300
        detail = repr(response.error) if response.status_code == 0 else response.text[:200]
        response.failure(f"{name}: unexpected {response.status_code} {detail}")
        return False

    def post(self, name: str, path: str, statuses: set[int], **kwargs: Any) -> Any:
        with self.client.post(path, name=name, catch_response=True, **kwargs) as response:
            ok = self.check(name, response, statuses)
        return response.json() if ok else None

    @task(4)
    def mini_program_login(self) -> None:
        try:
            code = SIM.mint_code(MP_APP_ID, self.person)
        except Exception:  # the simulator is not under test
            return
        answer = self.post("mp_login", "/auth/miniprogram/mp/login/", allowed(200), json={"code": code})
        if answer:
            self.pair = {"access": answer["access"], "refresh": answer["refresh"]}

    @task(2)
    def password_login(self) -> None:
        username = f"soak-pw-{random.randrange(PASSWORD_USERS)}"
        answer = self.post(
            "password_login", "/auth/token/", allowed(200), json={"username": username, "password": PASSWORD}
        )
        if answer:
            self.pair = {"access": answer["access"], "refresh": answer["refresh"]}

    @task(2)
    def qr_login(self) -> None:
        created = self.post("qr_create", "/auth/website/web/qr/", allowed(200))
        if not created:
            return
        state = httpx.URL(created["authorize_url"]).params["state"]
        try:
            httpx.get(created["authorize_url"].split("#", 1)[0], timeout=10)  # the QR is shown
            redirect = SIM.authorize(state, self.person)["redirect"]
        except Exception:
            return
        url = httpx.URL(redirect)
        with self.client.get(
            url.raw_path.decode(), name="qr_callback", catch_response=True, allow_redirects=False
        ) as response:
            self.check("qr_callback", response, allowed(200))
        ticket = created["ticket"]
        answer = self.post(
            "qr_poll",
            f"/auth/website/web/qr/{ticket}/?wait=0",
            allowed(200),
            json={"poll_secret": created["poll_secret"]},
        )
        if answer and answer.get("status") == "confirmed":
            self.pair = {"access": answer["access"], "refresh": answer["refresh"]}

    @task(6)
    def read(self) -> None:
        if self.pair:
            headers = {"Authorization": f"Bearer {self.pair['access']}"}
            with self.client.get("/auth/me/", name="me", headers=headers, catch_response=True) as response:
                # 401: the access token expired, or the session ended by a racing refresh's reuse.
                self.check("me", response, allowed(200))

    @task(2)
    def refresh(self) -> None:
        if self.pair:
            answer = self.post(
                "refresh", "/auth/token/refresh/", allowed(200), json={"refresh": self.pair["refresh"]}
            )
            if answer:
                self.pair = {"access": answer["access"], "refresh": answer["refresh"]}

    @task(1)
    def racing_refresh(self) -> None:
        """Two tabs refresh with the same token at once: both succeed (the grace window)."""
        if not self.pair:
            return
        body = {"refresh": self.pair["refresh"]}
        answers = [
            gevent.spawn(self.post, "refresh_race", "/auth/token/refresh/", allowed(200), json=body)
            for _ in range(2)
        ]
        gevent.joinall(answers, timeout=30)
        winners = [g.value for g in answers if g.value]
        if winners:
            self.pair = {"access": winners[0]["access"], "refresh": winners[0]["refresh"]}

    @task(1)
    def logout(self) -> None:
        if not self.pair:
            return
        headers = {"Authorization": f"Bearer {self.pair['access']}"}
        with self.client.post(
            "/auth/logout/", name="logout", headers=headers, catch_response=True
        ) as response:
            done = self.check("logout", response, allowed(200, 204))
        if done:
            record("logout", access=self.pair["access"], refresh=self.pair["refresh"])
            with self.client.get(
                "/auth/me/", name="me_after_logout", headers=headers, catch_response=True
            ) as me:
                self.check("me_after_logout", me, {401})
        self.pair = None


class WeChatServer(HttpUser):
    """WeChat pushing an Official Account's messages: retries, duplicates, delays, late replies."""

    wait_time = between(0.2, 1.0)
    weight = 1

    def on_start(self) -> None:
        # A follower of its own: the "count" handler's state is per follower, and one follower's
        # messages arrive one after another (but for WeChat's own duplicates).
        self.openid = SIM.create_user(f"soak-oa-{next(_followers)}").openid(OA_APP_ID)

    def push(self, name: str, content: str, msg_id: int) -> Any:
        started = time.monotonic()
        result = push_message(
            f"{self.host}/wechat/oa/",
            token=OA_TOKEN,
            xml=text_message("gh_soak", self.openid, content, msg_id=msg_id),
            app_id=OA_APP_ID,
            encoding_aes_key=OA_AES_KEY,
            mode="safe",
        )
        error = None if result.ok else RuntimeError(f"{name}: {result.status_code} {result.error}")
        if error is not None and FAULTS and result.status_code in (503, None):
            error = None  # WeChat pushes again later; the ledger has it
        events.request.fire(
            request_type="PUSH",
            name=name,
            response_time=(time.monotonic() - started) * 1000,
            response_length=len(result.body or ""),
            exception=error,
            context={},
        )
        return result

    @task(5)
    def count_with_duplicates(self) -> None:
        """The example router's "count" handler answers how often it ran for this follower: a
        duplicate served the first delivery's answer says the same number, one handled twice
        would not, and the numbers of all of a follower's pushes must be 1, 2, 3 … with no gap."""
        msg_id = next(_msg_ids)
        first = gevent.spawn(self.push, "oa_push", "count", msg_id)
        duplicate = (
            gevent.spawn(self.push, "oa_push_duplicate", "count", msg_id) if random.random() < 0.3 else None
        )
        # (A finished greenlet is falsy: compare with None.)
        spawned = [g for g in (first, duplicate) if g is not None]
        gevent.joinall(spawned, timeout=30)
        answers = [g.value.fields.get("Content", "") for g in spawned if g.value is not None and g.value.ok]
        if random.random() < 0.2:
            gevent.sleep(random.uniform(0.5, 2.0))  # WeChat's late retry of the same message
            late = self.push("oa_push_delayed", "count", msg_id)
            if late.ok:
                answers.append(late.fields.get("Content", ""))
        record("push", msg_id=msg_id, openid=self.openid, answers=answers)

    @task(1)
    def slow_handler(self) -> None:
        """A reply later than WeChat's window: "success" now, a customer-service message later."""
        msg_id = next(_msg_ids)
        result = self.push("oa_push_slow", "slow", msg_id)
        record("slow", msg_id=msg_id, openid=self.openid, acknowledged=result.ok)
