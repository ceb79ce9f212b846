"""``manage.py wechat_token [alias] [--refresh] [--force]``: show or refresh app access tokens.

Tokens are printed masked (first and last 4 characters): the command is for checking that the
shared token exists and when it expires, not for copying it.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from djwechat._internal import clock
from djwechat.client import get_client
from djwechat.client.errors import mask
from djwechat.conf import get_settings
from djwechat.exceptions import WeChatError


class Command(BaseCommand):
    """Show (masked) or refresh the shared access token of one app or of every app."""

    help = "Show the shared WeChat access token of each app (masked), or refresh it."

    def add_arguments(self, parser: CommandParser) -> None:
        """``alias`` (optional), ``--refresh``, ``--force``."""
        parser.add_argument("alias", nargs="?", help="App alias from WECHAT['APPS'] (default: every app).")
        parser.add_argument(
            "--refresh", action="store_true", help="Fetch a new token now and share it with every worker."
        )
        parser.add_argument(
            "--force",
            action="store_true",
            help="With --refresh in stable mode: ask WeChat to revoke the current token (20 a day; leaks only).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        """Print one line per app; exit with an error when a token cannot be obtained."""
        settings = get_settings()
        alias: str | None = options["alias"]
        if alias is not None and alias not in settings.apps:
            raise CommandError(
                f"No app is configured as {alias!r} (known: {', '.join(settings.apps) or 'none'})."
            )
        if options["force"] and not options["refresh"]:
            raise CommandError("--force only makes sense with --refresh.")
        aliases = [alias] if alias is not None else list(settings.apps)
        if not aliases:
            self.stdout.write("No WeChat apps are configured.")
            return
        failed = False
        for name in aliases:
            client = get_client(name)
            try:
                if options["refresh"]:
                    current = client.tokens.peek()
                    record = client.tokens.refresh(stale=current, force=options["force"])
                    source = "refreshed"
                else:
                    cached = client.tokens.peek()
                    record = client.tokens.get()
                    source = (
                        "cached"
                        if cached is not None and cached.generation == record.generation
                        else "fetched"
                    )
            except WeChatError as exc:
                failed = True
                self.stderr.write(f"{name}: {exc.code}: {exc.message}")
                continue
            remaining = int(record.expires_at - clock.now())
            self.stdout.write(
                f"{name}: {client.app.app_id} {client.token_mode} token {mask(record.token)} "
                f"expires in {remaining} s ({source})"
            )
        if failed:
            raise CommandError("Some tokens could not be obtained.")
