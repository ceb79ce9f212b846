"""``manage.py wechat_demo``: the example site and the WeChat simulator together, ready to try.

Starts the simulator on 127.0.0.1:8900 in a background thread (or reuses one already running
there), registers the apps of ``settings.WECHAT`` with it (the Official Account with its Token,
EncodingAESKey and message URL; the website app and the Official Account with the site's host as
their authorised callback domain) plus two fake users, starts the background-task worker (which
sends Official Account replies that missed WeChat's 5-second window), prints a short guide, then
runs ``runserver 127.0.0.1:8000``.

With the autoreloader, ``runserver`` re-executes this command in a child process (marked by the
``RUN_MAIN`` environment variable); the simulator and the worker are started only in the parent, which
lives as long as the whole session, so code reloads never restart them or lose the simulator's state.
"""

from __future__ import annotations

import atexit
import os
import subprocess
import sys
from argparse import ArgumentParser
from pathlib import Path
from typing import Any

import httpx
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.urls import Resolver404, resolve

from djwechat.conf import get_settings
from djwechat.simulator.registration import DEMO_USERS, message_url_for, site_registration
from djwechat.simulator.safety import SimulatorRefusedError, ensure_allowed
from djwechat.simulator.server import SimulatorServer
from djwechat.testing import SimulatorControl, SimulatorControlError


class Command(BaseCommand):
    """Run the example site on 127.0.0.1:8000 with the simulator on 127.0.0.1:8900."""

    help = "Run the example site together with the local WeChat simulator and print a guide."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("addrport", nargs="?", default="127.0.0.1:8000", help="where runserver listens")
        parser.add_argument("--sim-port", type=int, default=8900, help="simulator port (default 8900)")
        parser.add_argument(
            "--simulator", metavar="URL", help="use this running simulator instead of starting one"
        )
        parser.add_argument("--noreload", action="store_true", help="run runserver without the autoreloader")
        parser.add_argument(
            "--no-worker", action="store_true", help="do not start the background-task worker (db_worker)"
        )
        parser.add_argument(
            "--skip-runserver",
            action="store_true",
            help="set up the simulator and print the guide, then exit",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        site_url = "http://" + options["addrport"]
        if os.environ.get("RUN_MAIN") != "true":
            try:
                ensure_allowed()
            except SimulatorRefusedError as exc:
                raise CommandError(str(exc)) from None
            sim_url = options["simulator"] or self._start_simulator(options["sim_port"])
            self._setup(sim_url, site_url)
            if not options["skip_runserver"] and not options["no_worker"]:
                self._start_worker()
        if not options["skip_runserver"]:
            call_command("runserver", options["addrport"], use_reloader=not options["noreload"])

    def _start_simulator(self, port: int) -> str:
        try:
            server = SimulatorServer("127.0.0.1", port).start()
        except OSError:
            url = f"http://127.0.0.1:{port}"
            try:
                httpx.get(f"{url}/_sim/apps", timeout=2).raise_for_status()
            except httpx.HTTPError:
                raise CommandError(f"port {port} is busy and is not a WeChat simulator") from None
            self.stdout.write(f"Using the simulator already running on {url}")
            return url
        # The server thread is a daemon of this process, which runs until runserver stops.
        return server.url

    def _start_worker(self) -> None:
        """Run ``db_worker`` beside the site when tasks go to the database backend."""
        backend = str(settings.TASKS.get("default", {}).get("BACKEND", ""))
        if not backend.startswith("django_tasks_db."):
            return  # another backend brings its own worker; the immediate one needs none
        worker = subprocess.Popen(
            [
                sys.executable,
                str(Path(settings.BASE_DIR) / "manage.py"),
                "db_worker",
                "--interval",
                "0.5",
                "-v",
                "0",
            ],
            env={**os.environ, "RUN_MAIN": ""},
        )
        atexit.register(worker.terminate)
        self.stdout.write(
            f"  Task worker       db_worker (pid {worker.pid}) sends late Official Account replies"
        )

    def _setup(self, sim_url: str, site_url: str) -> None:
        apps = get_settings().apps
        with SimulatorControl(sim_url) as sim:
            try:
                for app in apps.values():
                    sim.register_settings_app(app, **site_registration(app, site_url))
                for user_id, nickname, phone in DEMO_USERS:
                    sim.create_user(
                        user_id,
                        nickname=nickname,
                        phone_number=phone,
                        headimgurl=f"{sim_url}/_sim/avatars/{user_id}.svg",
                    )
                mp = next((a for a in apps.values() if a.type == "miniprogram"), None)
                code = sim.mint_code(mp.app_id, DEMO_USERS[0][0]) if mp else None
            except (SimulatorControlError, httpx.HTTPError) as exc:
                raise CommandError(f"could not set up the simulator at {sim_url}: {exc}") from None
        self.stdout.write(self._guide(sim_url, site_url, code))

    def _guide(self, sim_url: str, site_url: str, code: str | None) -> str:
        apps = get_settings().apps
        by_type = {app.type: app for app in reversed(list(apps.values()))}
        # The commands below call WECHAT["SITE_URL"] unless told where this site runs.
        elsewhere = site_url != get_settings().site_url
        lines = [
            "",
            f"  WeChat simulator  {sim_url}/   (apps, users, recent calls; control API under /_sim/)",
            f"  Example site      {site_url}/",
            f"  Fake users        {', '.join(f'{uid} ({name})' for uid, name, _ in DEMO_USERS)}",
            "",
            "  Try this:",
        ]
        steps: list[list[str]] = [
            [
                "Password login (create a user first with manage.py createsuperuser), then /auth/me/:",
                f"curl -s -X POST {site_url}/auth/token/ -H 'Content-Type: application/json' "
                '-d \'{"username": "<name or email>", "password": "<password>"}\'',
                f"curl -s {site_url}/auth/me/ -H 'Authorization: Bearer <access>'",
            ]
        ]
        if (mp := by_type.get("miniprogram")) and code:
            steps.append(
                [
                    "Mini Program login with a fresh wx.login code for alice (valid 5 minutes, single use):",
                    f"curl -s -X POST {site_url}/auth/miniprogram/{mp.alias}/login/ "
                    f"-H 'Content-Type: application/json' -d '{{\"code\": \"{code}\"}}'",
                    f"another code: curl -s -X POST {sim_url}/_sim/codes -H 'Content-Type: application/json' "
                    f'-d \'{{"app_id": "{mp.app_id}", "user_id": "alice"}}\'',
                    "or: python example/manage.py wechat_miniprogram_login alice"
                    + (f" --site {site_url}" if elsewhere else ""),
                ]
            )
        if (web := by_type.get("website")) and _routed(f"/auth/website/{web.alias}/qr/"):
            steps.append(
                [
                    f'Website QR login: open {site_url}/ and click "Log in with WeChat";',
                    "open the phone link under the QR code (the simulated phone) and confirm as alice.",
                    f"The API alone: curl -s -X POST {site_url}/auth/website/{web.alias}/qr/",
                ]
            )
        if (oa := by_type.get("official_account")) and _routed(f"/auth/oa/{oa.alias}/authorize/"):
            steps.append(
                [
                    f'Official Account H5 login: open {site_url}/h5/ and click "Log in with WeChat";',
                    "the simulator's consent screen stands in for WeChat's: pick a user.",
                ]
            )
        if (oa := by_type.get("official_account")) and _routed(f"/wechat/{oa.alias}/"):
            steps.append(
                [
                    f"Official Account messages ({oa.message_mode} mode): "
                    f"python example/manage.py wechat_push --app {oa.alias} --text hello"
                    + (f" --url {message_url_for(oa.alias, site_url=site_url)}" if elsewhere else ""),
                    "(also --handshake, --event subscribe, --click MENU_KEY, --text slow for the 5-second guard)",
                ]
            )
        for number, (first, *rest) in enumerate(steps, start=1):
            lines.append(f"  {number}. {first}")
            lines += [f"     {line}" for line in rest]
        return "\n".join(lines) + "\n"


def _routed(path: str) -> bool:
    """Whether the example site serves ``path`` (the guide lists only what exists)."""
    try:
        resolve(path)
    except Resolver404:
        return False
    return True
