"""``manage.py wechat_push``: act as WeChat pushing to an Official Account message endpoint."""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from djwechat.conf import get_settings
from djwechat.exceptions import WeChatError
from djwechat.simulator.identity import openid_for
from djwechat.simulator.messages import click_event, event_message, text_message
from djwechat.simulator.push import push_handshake, push_message
from djwechat.simulator.registration import message_url_for

#: Characters of an error answer's body printed.
_MAX_ERROR_BODY = 2000


class Command(BaseCommand):
    """Send a signed handshake, message or event to an Official Account endpoint; print the reply."""

    help = (
        "Push a message or event to an Official Account endpoint as WeChat does (signed, optionally "
        "encrypted, 5-second timeout, 3 attempts) and print the verified, decrypted reply."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "--app", default="oa", help="alias of the official_account app in settings.WECHAT"
        )
        parser.add_argument(
            "--url", help="endpoint URL (default: the message endpoint of the app at WECHAT['SITE_URL'])"
        )
        what = parser.add_mutually_exclusive_group()
        what.add_argument("--text", help="push a text message with this content")
        what.add_argument("--event", help="push an event (subscribe, unsubscribe, SCAN, LOCATION, …)")
        what.add_argument("--click", metavar="KEY", help="push a menu click (CLICK event) with this key")
        what.add_argument("--handshake", action="store_true", help="send the URL-verification GET (echostr)")
        parser.add_argument("--event-key", help="EventKey of an --event (e.g. qrscene_123 for subscribe)")
        parser.add_argument(
            "--mode",
            choices=("plain", "compatible", "safe"),
            help="message mode (default: the app's MESSAGE_MODE)",
        )
        parser.add_argument("--user", default="alice", help="simulator user id of the sender (default alice)")
        parser.add_argument("--openid", help="sender openid (default: the --user's openid in this app)")
        parser.add_argument("--timeout", type=float, default=5.0, help="seconds per attempt (WeChat: 5)")
        parser.add_argument("--retries", type=int, default=2, help="resends after a timeout (WeChat: 2)")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            app = get_settings().app(options["app"], type="official_account")
        except WeChatError as exc:
            raise CommandError(f"no official_account app {options['app']!r} in settings.WECHAT") from exc
        url = options["url"] or message_url_for(app.alias)
        if not url:
            raise CommandError("the URLconf does not route djwechat's message endpoint: pass --url")
        if options["handshake"]:
            shake = push_handshake(url, token=app.token, timeout=options["timeout"])
            self.stdout.write(f"GET {url} -> HTTP {shake.status_code}: {shake.body[:200]!r}")
            if not shake.ok:
                raise CommandError(shake.error or "the endpoint did not echo echostr")
            self.stdout.write(self.style.SUCCESS("handshake ok: echostr echoed"))
            return
        openid = options["openid"] or openid_for(app.app_id, options["user"])
        to_user = f"gh_{app.app_id[-12:]}"
        if options["click"]:
            xml = click_event(to_user, openid, options["click"])
        elif options["event"]:
            xml = event_message(to_user, openid, options["event"], event_key=options["event_key"])
        else:
            xml = text_message(to_user, openid, options["text"] or "hello")
        mode = options["mode"] or app.message_mode
        try:
            result = push_message(
                url,
                token=app.token,
                xml=xml,
                app_id=app.app_id,
                encoding_aes_key=app.encoding_aes_key or None,
                mode=mode,
                timeout=options["timeout"],
                retries=options["retries"],
            )
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        for problem in result.attempt_errors:
            self.stderr.write(problem)
        self.stdout.write(
            f"POST {url} ({mode} mode) -> HTTP {result.status_code} after {result.attempts} attempt(s)"
        )
        if result.error:
            if result.status_code is not None and result.status_code >= 400 and result.body:
                self.stderr.write(result.body[:_MAX_ERROR_BODY])  # the server's own explanation
            raise CommandError(result.error)
        if result.acknowledged:
            self.stdout.write(self.style.SUCCESS("acknowledged (success / empty body), no reply"))
            return
        self.stdout.write(("encrypted reply, decrypted:" if result.encrypted else "plain reply:") + "\n")
        self.stdout.write(result.reply or "")
