"""``manage.py wechat_miniprogram_login <sim_user_id>``: play a mini program against a running site.

The command does what a phone running the mini program would: it asks the simulator for a
``wx.login`` code as the given fake user (``POST /_sim/codes``), sends it to the site's
``/auth/miniprogram/<app>/login/`` and prints the answer; with ``--phone`` it also presses the
phone-number button and sends that code to ``/auth/miniprogram/<app>/phone/``.  It speaks HTTP
to both, so it tests the real running site (runserver, gunicorn …) and never imports the
simulator.
"""

from __future__ import annotations

import json
from typing import Any

import httpx
from django.core.management.base import BaseCommand, CommandError, CommandParser

from djwechat._internal.site import site_endpoint
from djwechat.conf import get_settings
from djwechat.exceptions import AppNotFoundError


class Command(BaseCommand):
    help = "Log in to a running site as a simulator user, the way a mini program does (wx.login)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("sim_user_id", help="Id of the simulator's fake user (see POST /_sim/users).")
        parser.add_argument(
            "--app", default="mp", help="Alias of the mini program in WECHAT['APPS'] (default: mp)."
        )
        parser.add_argument("--site", help="Base URL of the running site (default: WECHAT['SITE_URL']).")
        parser.add_argument(
            "--simulator",
            help="Base URL of the simulator (default: WECHAT['API_BASE_URL'], the simulator in development).",
        )
        parser.add_argument(
            "--create", action="store_true", help="Create the fake user first if it is unknown."
        )
        parser.add_argument(
            "--phone", action="store_true", help="Also fetch the phone number with the new token."
        )
        parser.add_argument(
            "--timeout", type=float, default=10.0, help="Seconds per HTTP call (default: 10)."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        alias: str = options["app"]
        try:
            app = get_settings().app(alias, type="miniprogram")
        except AppNotFoundError as exc:
            raise CommandError(str(exc)) from None
        simulator = (options["simulator"] or get_settings().api_base_url).rstrip("/")
        login_url = site_endpoint("djwechat-miniprogram-login", base=options["site"], app=alias)
        phone_url = site_endpoint("djwechat-miniprogram-phone", base=options["site"], app=alias)
        if login_url is None or phone_url is None:
            raise CommandError("The URLconf does not route djwechat's Mini Program endpoints.")
        user_id: str = options["sim_user_id"]
        with httpx.Client(timeout=options["timeout"]) as http:
            if options["create"]:
                self._post(http, f"{simulator}/_sim/users", {"id": user_id}, "create the simulator user")
            code = self._mint(http, simulator, app.app_id, user_id, "login")
            answer = self._post(http, login_url, {"code": code}, "log in")
            self._print(answer)
            if options["phone"]:
                phone_code = self._mint(http, simulator, app.app_id, user_id, "phone")
                headers = {"Authorization": f"Bearer {answer['access']}"}
                self._print(
                    self._post(http, phone_url, {"code": phone_code}, "get the phone number", headers=headers)
                )

    def _mint(self, http: httpx.Client, simulator: str, app_id: str, user_id: str, kind: str) -> str:
        body = {"app_id": app_id, "user_id": user_id, "kind": kind}
        answer = self._post(http, f"{simulator}/_sim/codes", body, f"get a {kind} code from the simulator")
        return str(answer["code"])

    def _post(
        self,
        http: httpx.Client,
        url: str,
        body: dict[str, Any],
        what: str,
        headers: dict[str, str] | None = None,
    ) -> dict[str, Any]:
        try:
            response = http.post(url, json=body, headers=headers)
        except httpx.HTTPError as exc:
            raise CommandError(f"Could not {what}: {url} did not answer ({type(exc).__name__}).") from None
        try:
            data = response.json()
        except ValueError:
            data = None
        if response.status_code >= 400 or not isinstance(data, dict):
            detail = json.dumps(data, ensure_ascii=False) if data is not None else response.text[:500]
            raise CommandError(f"Could not {what}: {url} answered {response.status_code}: {detail}")
        return data

    def _print(self, data: dict[str, Any]) -> None:
        self.stdout.write(json.dumps(data, ensure_ascii=False, indent=2))
