"""No secret in any log record of the whole suite.

Every log record (every logger, every level from DEBUG up, exceptions and stacks included) of
each test's setup, call and teardown is kept; at the end of the test each must be free of every
secret in play: the simulator's app secrets, Tokens, EncodingAESKeys, session_keys, login and
phone codes and access tokens (user and app), the signing keys, and what djwechat answered
(access and refresh tokens, QR poll secrets, H5 login codes, JWT session keys). A JWT of any kind
in a log line fails too. A leak fails the test in its teardown, naming the logger.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable, Generator, Iterator
from contextlib import suppress
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

#: Shorter values (the "s" secret of a unit test) would match by chance.
MIN_LENGTH = 8
#: Answer fields that carry a secret (a QR ticket is not one: it names the poll URL, its poll
#: secret guards it).
SECRET_FIELDS = frozenset({"access", "refresh", "poll_secret", "login_code", "session_key"})
_JWT_RE = re.compile(r"eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}")

_answered: set[str] = set()


class _Capture(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


_capture = _Capture()


def _text(record: logging.LogRecord) -> str:
    try:
        parts = [record.getMessage()]
    except Exception:  # a broken format string is the logger's problem, not a leak
        parts = [str(record.msg), repr(record.args)]
    if record.exc_info:
        parts.append(logging.Formatter().formatException(record.exc_info))
    if record.exc_text:
        parts.append(record.exc_text)
    if record.stack_info:
        parts.append(record.stack_info)
    return "\n".join(parts)


def _collect(value: Any) -> None:
    if isinstance(value, dict):
        for key, item in value.items():
            if key in SECRET_FIELDS and isinstance(item, str):
                _answered.add(item)
            _collect(item)
    elif isinstance(value, list):
        for item in value:
            _collect(item)


class RecordSecretsMiddleware:
    """Remembers the secrets djwechat hands out (test settings only)."""

    def __init__(self, get_response: Callable[[Any], Any]) -> None:
        self.get_response = get_response

    def __call__(self, request: Any) -> Any:
        response = self.get_response(request)
        if response.get("Content-Type", "").startswith("application/json") and not response.streaming:
            with suppress(ValueError):
                _collect(json.loads(response.content))
        location = response.get("Location", "")
        for key, values in parse_qs(urlsplit(location).query + "&" + urlsplit(location).fragment).items():
            if key in SECRET_FIELDS or key == "code":
                _answered.update(values)
        return response


def _simulator_secrets() -> set[str]:
    from djwechat.simulator.state import default_state

    state = default_state()
    found: set[str] = set()
    with state.lock:
        for app in state.apps.values():
            found.update((app.app_secret, app.token, app.encoding_aes_key))
        for user in state.users.values():
            found.update(user.session_keys.values())
        for code in state.codes.values():
            found.update((code.code, code.session_key))
        found.update(token.token for token in state.tokens.values())
        for grant in (*state.grants.values(), *state.refresh_grants.values()):
            found.update((grant.access_token, grant.refresh_token))
        found.update(a.code for a in state.authorizations.values() if a.code)
    return found


def _settings_secrets() -> set[str]:
    from django.conf import settings

    found = {settings.SECRET_KEY}
    wechat = getattr(settings, "WECHAT", {})
    found.add(str(wechat.get("JWT", {}).get("SIGNING_KEY", "")))
    for app in wechat.get("APPS", {}).values():
        found.update(str(app.get(key, "")) for key in ("APP_SECRET", "TOKEN", "ENCODING_AES_KEY"))
    return found


def secrets_in_play() -> set[str]:
    return {s for s in (_simulator_secrets() | _settings_secrets() | _answered) if len(s) >= MIN_LENGTH}


def leaks(records: list[logging.LogRecord], secrets: set[str]) -> list[str]:
    """One line per record that shows a secret (the secret itself masked)."""
    found = []
    for record in records:
        text = _text(record)
        shown = [s for s in secrets if s in text]
        if shown or _JWT_RE.search(text):
            what = ", ".join(f"{s[:3]}…({len(s)} chars)" for s in shown) or "a JWT"
            found.append(f"{record.name} {record.levelname} at {record.pathname}:{record.lineno}: {what}")
    return found


#: Tests that play WeChat's own client or the user's browser with plain httpx (the simulator's
#: tests, wechatpy): their HTTP client logs the secrets they send; djwechat's records still count.
_CLIENT_SIDE = ("tests/simulator/",)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if item.nodeid.startswith(_CLIENT_SIDE) and not item.get_closest_marker("logs_secrets"):
            item.add_marker(
                pytest.mark.logs_secrets(["httpx", "httpcore", "wechatpy", "urllib3", "requests"])
            )


def pytest_configure(config: pytest.Config) -> None:
    root = logging.getLogger()
    root.addHandler(_capture)
    root.setLevel(logging.DEBUG)


@pytest.fixture(scope="session", autouse=True)
def _record_session_keys() -> Iterator[None]:
    """JWT session keys are never answered: remember each one as it is saved."""
    from django.db.models.signals import post_save

    from djwechat.jwt.models import JWTSession

    def saved(sender: Any, instance: JWTSession, **kwargs: Any) -> None:
        _answered.add(instance.session_key)

    post_save.connect(saved, sender=JWTSession, weak=False, dispatch_uid="tests.secret_logs")
    yield
    post_save.disconnect(sender=JWTSession, dispatch_uid="tests.secret_logs")


@pytest.hookimpl(hookwrapper=True, tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> Generator[None, None, None]:
    _capture.records.clear()
    yield


@pytest.hookimpl(hookwrapper=True, trylast=True)
def pytest_runtest_teardown(item: pytest.Item) -> Generator[None, None, None]:
    yield
    records, _capture.records[:] = list(_capture.records), []
    marker = item.get_closest_marker("logs_secrets")
    if marker is not None and not marker.args:
        _answered.clear()
        return
    exempt = tuple(marker.args[0]) if marker is not None else ()
    records = [r for r in records if not r.name.startswith(exempt)] if exempt else records
    found = leaks(records, secrets_in_play())
    _answered.clear()
    if found:
        pytest.fail("secrets in log records:\n" + "\n".join(found), pytrace=False)
