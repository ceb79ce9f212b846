"""Minimal request/response objects over WSGI (stdlib only, so the simulator needs no framework)."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Final
from urllib.parse import parse_qs

__all__ = ["MAX_BODY", "BodyTooLargeError", "Request", "Response", "html", "json_answer", "redirect"]

#: Largest request body the simulator reads (bytes).
MAX_BODY: Final = 1024 * 1024

_REASONS: Final = {
    200: "OK",
    204: "No Content",
    302: "Found",
    400: "Bad Request",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    409: "Conflict",
    413: "Payload Too Large",
    415: "Unsupported Media Type",
    500: "Internal Server Error",
}


class BodyTooLargeError(Exception):
    """The request body is larger than :data:`MAX_BODY`."""


@dataclass
class Request:
    """One request: method, path, the first value of each query parameter, the raw body."""

    method: str
    path: str
    query: dict[str, str]
    body: bytes
    headers: dict[str, str]
    base_url: str
    #: Path parameters filled in by the router.
    params: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_environ(cls, environ: Mapping[str, Any]) -> Request:
        """Read a WSGI environ; raises :class:`BodyTooLargeError` over :data:`MAX_BODY`."""
        try:
            length = int(environ.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > MAX_BODY:
            raise BodyTooLargeError
        body = environ["wsgi.input"].read(length) if length > 0 else b""
        query = {key: values[0] for key, values in parse_qs(environ.get("QUERY_STRING", "")).items()}
        headers = {
            key[5:].replace("_", "-").lower(): str(value)
            for key, value in environ.items()
            if key.startswith("HTTP_")
        }
        if environ.get("CONTENT_TYPE"):
            headers["content-type"] = str(environ["CONTENT_TYPE"])
        scheme = environ.get("wsgi.url_scheme", "http")
        host = (
            headers.get("host")
            or f"{environ.get('SERVER_NAME', 'localhost')}:{environ.get('SERVER_PORT', '80')}"
        )
        raw_path = environ.get("PATH_INFO", "/") or "/"
        # PEP 3333 hands PATH_INFO over as latin-1 decoded bytes.
        path = raw_path.encode("latin-1").decode("utf-8", "replace")
        return cls(
            method=str(environ.get("REQUEST_METHOD", "GET")).upper(),
            path=path,
            query=query,
            body=body,
            headers=headers,
            base_url=f"{scheme}://{host}",
        )

    def json(self) -> Any:
        """The body parsed as JSON; raises ``ValueError`` when it is not JSON."""
        return json.loads(self.body.decode("utf-8"))

    def form(self) -> dict[str, str]:
        """The body parsed as an HTML form."""
        return {key: values[0] for key, values in parse_qs(self.body.decode("utf-8", "replace")).items()}


@dataclass
class Response:
    """A response to hand to WSGI."""

    status: int = 200
    body: bytes = b""
    content_type: str = "application/json; charset=utf-8"
    headers: list[tuple[str, str]] = field(default_factory=list)
    #: The JSON value sent (for the call log), when the body is JSON.
    data: Any = None

    def start(self, start_response: Any) -> Iterable[bytes]:
        """Call ``start_response`` and return the body iterable."""
        headers = [("Content-Type", self.content_type), ("Content-Length", str(len(self.body)))]
        headers += self.headers
        start_response(f"{self.status} {_REASONS.get(self.status, 'Unknown')}", headers)
        return [self.body]


def json_answer(data: Any, status: int = 200) -> Response:
    """A JSON response. Like WeChat, non-ASCII text is sent as UTF-8, not ``\\uXXXX`` escapes."""
    body = json.dumps(data, ensure_ascii=False).encode("utf-8")
    return Response(status=status, body=body, data=data)


def html(text: str, status: int = 200, *, language: str | None = None) -> Response:
    """An HTML page; ``language`` (the page's, chosen from ``Accept-Language``) goes in the headers."""
    headers = [("Content-Language", language), ("Vary", "Accept-Language")] if language else []
    return Response(
        status=status, body=text.encode("utf-8"), content_type="text/html; charset=utf-8", headers=headers
    )


def redirect(location: str) -> Response:
    """A 302 to ``location``."""
    return Response(status=302, content_type="text/plain; charset=utf-8", headers=[("Location", location)])
