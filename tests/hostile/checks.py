"""What every answer of every endpoint must satisfy, whatever it was sent."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from typing import Any

from tests.hostile import routers
from tests.hostile.endpoints import Endpoint

SNAKE_CASE = re.compile(r"^[a-z][a-z0-9]*(?:_[a-z0-9]+)*$")


def describe(method: str, path: str, response: Any) -> str:
    """A one-line description of the request and a prefix of the answer, for failure messages."""
    return f"{method} {path[:120]!r} -> {response.status_code} {response.content[:300]!r}"


def assert_json_error(response: Any, where: str) -> dict[str, Any]:
    """``response`` is ``{"error": {"code": <snake_case str>, "message": <str>}}``; returns the error."""
    content_type = response.get("Content-Type", "")
    assert content_type.startswith("application/json"), f"not JSON: {where}"
    body = json.loads(response.content)
    assert isinstance(body, dict), where
    assert set(body) == {"error"}, where
    error = body["error"]
    assert isinstance(error, dict), where
    assert isinstance(error.get("code"), str), where
    assert SNAKE_CASE.match(error["code"]), where
    assert isinstance(error.get("message"), str), where
    assert error["message"], where
    return error


def assert_no_secrets(response: Any, secrets: Iterable[str], where: str) -> None:
    """No secret appears in the answer's body or headers (raw, or as JSON would escape it)."""
    texts = [response.content.decode("utf-8", "replace")]
    texts += [f"{name}: {value}" for name, value in response.items()]
    blob = "\n".join(texts)
    for secret in secrets:
        assert secret not in blob, f"a secret leaked into the answer: {where}"
        assert json.dumps(secret)[1:-1] not in blob, f"a secret leaked into the answer: {where}"


def assert_sane(
    endpoint: Endpoint | None, method: str, path: str, response: Any, secrets: Iterable[str]
) -> None:
    """Never a 5xx; a 4xx of a JSON endpoint is the package-wide error shape; nothing leaks;
    no answer of a JSON endpoint may be stored by a cache (``Cache-Control: no-store``).

    ``endpoint`` is ``None`` for a path that resolves to no endpoint (Django's own 404 page).
    For the Official Account endpoint, a 4xx may be the protocol's plain-text answer, but no
    handler may have run for a request that was refused; a browser page (OAuth callback) may
    explain an error in HTML.
    """
    where = describe(method, path, response)
    assert response.status_code < 500, where
    assert_no_secrets(response, secrets, where)
    if endpoint is None:
        return
    if not (endpoint.is_message_server or endpoint.is_browser_page):
        assert "no-store" in response.get("Cache-Control", ""), f"cacheable: {where}"
    if method == "HEAD" or not 400 <= response.status_code < 500:
        return
    is_json = response.get("Content-Type", "").startswith("application/json")
    if endpoint.is_message_server:
        assert routers.handled == 0, f"a handler ran for a refused push: {where}"
    if endpoint.is_message_server or endpoint.is_browser_page:
        if is_json:
            assert_json_error(response, where)
        return
    assert_json_error(response, where)
