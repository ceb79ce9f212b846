"""The simulator as a real HTTP server: a threaded stdlib WSGI server.

``python -m djwechat.simulator --host 127.0.0.1 --port 8900`` (or ``manage.py wechat_simulator``)
runs it in the foreground; :class:`SimulatorServer` runs it on a background thread (the pytest
fixtures and ``manage.py wechat_demo`` do that).

A ``drop`` fault closes the connection without an answer and a ``timeout`` fault holds it open
and then closes it unanswered, which the stdlib's WSGI handler cannot express; the handler below
catches the simulator's :class:`DropConnection` / :class:`HangConnection` for that.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import sys
import threading
from collections.abc import Sequence
from socketserver import ThreadingMixIn
from types import TracebackType
from typing import Any
from wsgiref.simple_server import ServerHandler, WSGIRequestHandler, WSGIServer

from djwechat._internal.redact import redact
from djwechat.simulator.app import SimulatorApp
from djwechat.simulator.errors import DropConnection, HangConnection
from djwechat.simulator.safety import SimulatorRefusedError, ensure_allowed
from djwechat.simulator.state import SimulatorState, default_state

__all__ = ["SimulatorServer", "main"]

logger = logging.getLogger("djwechat.simulator")


class _Handler(ServerHandler):
    def handle_error(self) -> None:
        exc = sys.exc_info()[1]
        if isinstance(exc, DropConnection | HangConnection):
            # Answer nothing: the request handler closes the socket when this returns.
            self.request_handler.close_connection = True  # type: ignore[attr-defined]
            return
        super().handle_error()


class _RequestHandler(WSGIRequestHandler):
    server_version = "WeChatSimulator/1.0"

    def handle(self) -> None:
        self.raw_requestline = self.rfile.readline(65537)
        if len(self.raw_requestline) > 65536:
            self.requestline = self.request_version = self.command = ""
            self.send_error(414)
            return
        if not self.parse_request():
            return
        handler = _Handler(self.rfile, self.wfile, self.get_stderr(), self.get_environ(), multithread=True)  # type: ignore[arg-type]
        handler.request_handler = self  # type: ignore[attr-defined]
        handler.run(self.server.get_app())  # type: ignore[attr-defined]

    def log_message(self, format: str, *args: Any) -> None:
        # Request lines carry app secrets and tokens in their query strings.
        logger.debug("%s - %s", self.address_string(), redact(format % args))


class _ThreadingWSGIServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True
    # socketserver's default backlog of 5 resets connections when dozens of workers call at once
    # (a token storm); WeChat itself never refuses a connection for that.
    request_queue_size = 128
    # Do not wait for requests held by a timeout fault when shutting down.
    block_on_close = False


class SimulatorServer:
    """The simulator on ``host:port`` (port 0 picks a free one), serving ``state``.

    Use :meth:`start` / :meth:`stop` (or ``with SimulatorServer() as server:``) for a background
    thread, or :meth:`serve_forever` to block.  ``url`` is the base URL once bound.
    """

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        state: SimulatorState | None = None,
        hang_seconds: float = 30.0,
    ) -> None:
        self.state = state if state is not None else default_state()
        self.app = SimulatorApp(self.state, hang_seconds=hang_seconds, hosts=(host,))
        self._httpd = _ThreadingWSGIServer((host, port), _RequestHandler)
        self._httpd.set_app(self.app)
        self._thread: threading.Thread | None = None

    @property
    def host(self) -> str:
        """The bound host."""
        return str(self._httpd.server_address[0])

    @property
    def port(self) -> int:
        """The bound port."""
        return int(self._httpd.server_address[1])

    @property
    def url(self) -> str:
        """Base URL, e.g. ``http://127.0.0.1:8900`` (use it as API_BASE_URL and OPEN_BASE_URL)."""
        return f"http://{self.host}:{self.port}"

    def start(self) -> SimulatorServer:
        """Serve on a daemon thread; returns ``self``."""
        if self._thread is None:
            self._thread = threading.Thread(
                target=self._httpd.serve_forever,
                kwargs={"poll_interval": 0.2},
                name="wechat-simulator",
                daemon=True,
            )
            self._thread.start()
        return self

    def serve_forever(self) -> None:
        """Serve in the calling thread until interrupted."""
        try:
            self._httpd.serve_forever(poll_interval=0.5)
        finally:
            self._httpd.server_close()

    def stop(self) -> None:
        """Stop serving, release hanging requests and close the socket."""
        self.state.release_hangs()
        if self._thread is not None:
            self._httpd.shutdown()
            self._thread.join(timeout=5)
            self._thread = None
        self._httpd.server_close()

    def __enter__(self) -> SimulatorServer:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()


def build_parser() -> argparse.ArgumentParser:
    """Command-line options shared by ``python -m djwechat.simulator`` and ``wechat_simulator``."""
    parser = argparse.ArgumentParser(
        prog="python -m djwechat.simulator", description="Run the local fake WeChat."
    )
    add_arguments(parser)
    return parser


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add ``--host``, ``--port``, ``--hang-seconds``, ``--allow-production``, ``--quiet`` to ``parser``."""
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8900, help="port to bind (default 8900)")
    parser.add_argument(
        "--hang-seconds",
        type=float,
        default=30.0,
        help="how long a timeout fault holds a connection (default 30)",
    )
    parser.add_argument(
        "--allow-production", action="store_true", help="start even though Django's DEBUG is False"
    )
    parser.add_argument("--quiet", action="store_true", help="do not log every request")


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``python -m djwechat.simulator``; returns the exit status."""
    options = build_parser().parse_args(argv)
    try:
        ensure_allowed(allow_production=options.allow_production)
    except SimulatorRefusedError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    logging.basicConfig(level=logging.WARNING, format="%(message)s")
    # Every request is logged at DEBUG; --quiet keeps only warnings and errors.
    logger.setLevel(logging.WARNING if options.quiet else logging.DEBUG)
    server = SimulatorServer(options.host, options.port, hang_seconds=options.hang_seconds)
    print(f"WeChat simulator on {server.url}  (control API: {server.url}/_sim/, Ctrl-C to stop)", flush=True)
    with contextlib.suppress(KeyboardInterrupt):
        server.serve_forever()
    return 0
