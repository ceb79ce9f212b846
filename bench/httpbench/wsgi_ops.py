"""In-process operations through Django's WSGI handler, and the small pieces of a request.

The WSGI rows are whole requests of the benchmark site without an HTTP server: set against the
gunicorn figures, the difference is what the server itself costs.
"""

from __future__ import annotations

from collections.abc import Callable

from bench.httpbench.fixtures import Credentials
from bench.httpbench.inprocess import Operation
from bench.httpbench.payloads import PushFactory


def wsgi_ops(creds: Credentials, factory: PushFactory) -> list[Operation]:
    """Whole requests through Django's WSGI handler, without an HTTP server: what gunicorn adds is the rest."""
    import io
    import sys

    from django.core.handlers.wsgi import WSGIHandler

    from bench.httpbench.contenders import CONTENDERS

    app = WSGIHandler()
    by_key = {c.key: c for c in CONTENDERS}

    def request(key: str) -> Callable[[], object]:
        contender = by_key[key]

        def call() -> object:
            environ: dict[str, object] = {
                "REQUEST_METHOD": "GET",
                "PATH_INFO": contender.path,
                "QUERY_STRING": "",
                "SERVER_NAME": "127.0.0.1",
                "SERVER_PORT": "8040",
                "REMOTE_ADDR": "127.0.0.1",
                "SERVER_PROTOCOL": "HTTP/1.1",
                "wsgi.url_scheme": "http",
                "wsgi.input": io.BytesIO(b""),
                "wsgi.errors": sys.stderr,
            }
            if contender.kind == "push":
                push = factory.make(contender.mode)
                body = push.body.encode()
                environ.update(
                    REQUEST_METHOD="POST",
                    QUERY_STRING=push.query,
                    CONTENT_TYPE="text/xml",
                    CONTENT_LENGTH=str(len(body)),
                )
                environ["wsgi.input"] = io.BytesIO(body)
            elif contender.auth:
                name, _, value = creds.headers[contender.auth][0].partition(": ")
                environ["HTTP_" + name.upper()] = value
            return b"".join(app(environ, _expect_ok))

        return call

    keys = (
        "bare",
        "bare-get",
        "bare-admit",
        "jwt-strict",
        "wechatpy-plain",
        "werobot-plain",
        "djwechat-plain",
        "djwechat-safe",
    )
    ops = [
        Operation(
            "through Django's WSGI handler",
            f"{key} (incl. making the push)" if by_key[key].kind == "push" else key,
            request(key),
        )
        for key in keys
    ]
    ops.append(
        Operation(
            "through Django's WSGI handler", "making a push alone (plain)", lambda: factory.make("plain")
        )
    )
    ops.append(
        Operation("through Django's WSGI handler", "making a push alone (safe)", lambda: factory.make("safe"))
    )
    return ops


def _expect_ok(status: str, headers: list[tuple[str, str]], exc_info: object = None) -> None:
    if not status.startswith("200"):
        raise RuntimeError(f"in-process request answered {status}")


def pieces_ops(creds: Credentials) -> list[Operation]:
    from jwt.api_jws import PyJWS

    from djwechat.messaging.guard import HandlerGuard

    guard = HandlerGuard(max_workers=8)
    segments = creds.headers["djwechat"][0].split()[-1].encode().split(b".")

    def base64_checks() -> object:
        return [PyJWS._decode_base64url_segment(s, "segment") for s in segments]

    return [
        Operation(
            "pieces",
            "HandlerGuard.run of a no-op (the hand-off to the pool)",
            lambda: guard.run(lambda: None, budget=4.0, on_late=lambda _: None),
        ),
        Operation("pieces", "PyJWT base64url checks of one token's 3 segments", base64_checks),
    ]
