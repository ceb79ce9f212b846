"""Playing the browser of a website QR login or an Official Account H5 login against the simulator."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
from django.test import Client

from djwechat.testing import SimulatorControl

QR_URL = "/auth/website/web/qr/"
EXCHANGE_URL = "/auth/exchange/"


def query(url: str) -> dict[str, str]:
    """The first value of each query parameter of ``url``."""
    return {key: values[0] for key, values in parse_qs(urlsplit(url).query).items()}


def local(url: str) -> str:
    """The path and query of an absolute URL (what the test client requests)."""
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


@dataclass
class QRLogin:
    """A QR login started by the page: the create answer, and the state in its authorize URL."""

    client: Client
    sim: SimulatorControl
    answer: dict[str, Any]

    @property
    def ticket(self) -> str:
        return str(self.answer["ticket"])

    @property
    def secret(self) -> str:
        return str(self.answer["poll_secret"])

    @property
    def state(self) -> str:
        return query(self.answer["authorize_url"])["state"]

    def poll_path(self, wait: float | None = 0, app: str = "web", ticket: str | None = None) -> str:
        path = f"/auth/website/{app}/qr/{ticket or self.ticket}/"
        return path if wait is None else f"{path}?wait={wait:g}"

    def poll(self, secret: Any = ..., *, wait: float | None = 0, **kwargs: Any) -> Any:
        """POST the poll (``secret`` defaults to the ticket's own)."""
        body = {"poll_secret": self.secret if secret is ... else secret}
        return self.client.post(self.poll_path(wait, **kwargs), body, content_type="application/json")

    def show_qr(self) -> httpx.Response:
        """The iframe loads the authorize URL: the simulator now waits for a scan."""
        page = httpx.get(self.answer["authorize_url"].split("#", 1)[0], timeout=10)
        assert page.status_code == 200, page.text
        return page

    def decide(self, user_id: str | None, *, approve: bool = True) -> str:
        """The phone confirms (or refuses); returns the callback path WeChat sends the iframe to."""
        return local(self.sim.authorize(self.state, user_id, approve=approve)["redirect"])

    def callback(self, user_id: str | None, *, approve: bool = True) -> Any:
        """Show the QR, decide on the phone, and follow WeChat's redirect to the callback."""
        self.show_qr()
        return self.client.get(self.decide(user_id, approve=approve))


def start_qr(client: Client, sim: SimulatorControl, app: str = "web") -> QRLogin:
    """``POST /auth/website/<app>/qr/`` as the page does."""
    response = client.post(f"/auth/website/{app}/qr/")
    assert response.status_code == 200, response.content
    return QRLogin(client, sim, response.json())


def oa_login(
    client: Client, sim: SimulatorControl, user_id: str | None, *, approve: bool = True, **params: str
) -> Any:
    """``/auth/oa/oa/authorize/`` → WeChat's consent page → decision → the callback's answer."""
    start = client.get("/auth/oa/oa/authorize/", params)
    assert start.status_code == 302, start.content
    consent = httpx.get(start["Location"].split("#", 1)[0], timeout=10)
    assert consent.status_code == 200, consent.text
    state = query(start["Location"])["state"]
    redirect = sim.authorize(state, user_id, approve=approve)["redirect"]
    return client.get(local(redirect))
