"""``manage.py wechat_simulator``: run the local fake WeChat in the foreground."""

from __future__ import annotations

import contextlib
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from djwechat.simulator.safety import SimulatorRefusedError, ensure_allowed
from djwechat.simulator.server import SimulatorServer, add_arguments


class Command(BaseCommand):
    """Serve the simulator on ``--host``/``--port`` (127.0.0.1:8900) until interrupted."""

    help = "Run the local WeChat simulator (a fake api.weixin.qq.com and open.weixin.qq.com)."

    def add_arguments(self, parser: ArgumentParser) -> None:
        add_arguments(parser)
        parser.add_argument(
            "--register-apps",
            action="store_true",
            help="register the apps of settings.WECHAT with the simulator before serving",
        )
        parser.add_argument(
            "--site",
            metavar="URL",
            help="base URL of the site the Official Accounts' messages go to (default: WECHAT['SITE_URL'])",
        )
        parser.add_argument(
            "--message-url",
            metavar="URL",
            help="the Official Accounts' message URL; {alias} stands for the app's alias "
            "(default: the site's URL of the message endpoint)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            ensure_allowed(allow_production=options["allow_production"])
        except SimulatorRefusedError as exc:
            raise CommandError(str(exc)) from None
        try:
            server = SimulatorServer(options["host"], options["port"], hang_seconds=options["hang_seconds"])
        except OSError as exc:
            raise CommandError(f"cannot listen on {options['host']}:{options['port']}: {exc}") from None
        if options["register_apps"]:
            from djwechat.simulator.registration import register_settings_apps

            apps = register_settings_apps(
                server.state, message_url=options["message_url"], site_url=options["site"]
            )
            for line in apps:
                self.stdout.write(line)
        self.stdout.write(
            f"WeChat simulator on {server.url}  (control API: {server.url}/_sim/, Ctrl-C to stop)"
        )
        with contextlib.suppress(KeyboardInterrupt):
            server.serve_forever()
