"""An httpx transport that runs the simulator in-process (no socket).

Point the djwechat client at it with
``WECHAT["CLIENT"]["TRANSPORT"] = "djwechat.simulator.transport.SimulatorTransport"``; every
request, whatever its host, is answered by the simulator over the process-wide
:func:`~djwechat.simulator.state.default_state` — the same state a
:class:`~djwechat.simulator.server.SimulatorServer` in this process serves, so a test can set up
users through either.

It serves ``httpx.Client`` (in the calling thread) and ``httpx.AsyncClient`` (in a worker
thread, so a ``latency`` fault never blocks the event loop), like ``httpx.MockTransport``.

Faults behave as over the network: ``timeout`` raises :class:`httpx.ReadTimeout` (at once, or
after the client's read timeout when a ``latency`` exceeds it) and ``drop`` raises
:class:`httpx.RemoteProtocolError`.
"""

from __future__ import annotations

import asyncio
from typing import Any

import httpx

from djwechat.simulator.app import IN_PROCESS_KEY, READ_TIMEOUT_KEY, SimulatorApp
from djwechat.simulator.errors import DropConnection, HangConnection
from djwechat.simulator.state import SimulatorState

__all__ = ["SimulatorTransport"]


class SimulatorTransport(httpx.BaseTransport, httpx.AsyncBaseTransport):
    """An httpx transport (sync and async) over :class:`~djwechat.simulator.app.SimulatorApp`.

    ``state`` defaults to the process-wide state. Construct with no argument to use it as a
    ``CLIENT.TRANSPORT`` factory.
    """

    def __init__(self, state: SimulatorState | None = None) -> None:
        self.app = SimulatorApp(state)
        self.state = self.app.state

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        """Run the request through the simulator; raise httpx's network errors for faults."""
        timeouts = request.extensions.get("timeout") or {}
        read_timeout = timeouts.get("read")

        def app(environ: dict[str, Any], start_response: Any) -> Any:
            environ[IN_PROCESS_KEY] = True
            environ[READ_TIMEOUT_KEY] = read_timeout
            return self.app(environ, start_response)

        try:
            return httpx.WSGITransport(app=app).handle_request(request)
        except HangConnection:
            raise httpx.ReadTimeout("simulated timeout (no answer)", request=request) from None
        except DropConnection:
            raise httpx.RemoteProtocolError(
                "Server disconnected without sending a response.", request=request
            ) from None

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        """:meth:`handle_request` in a worker thread, the answer read in full there."""
        content = await request.aread()
        copy = httpx.Request(
            request.method,
            request.url,
            headers=request.headers,
            content=content,
            extensions=request.extensions,
        )
        return await asyncio.to_thread(self._answer_in_full, copy)

    def _answer_in_full(self, request: httpx.Request) -> httpx.Response:
        response = self.handle_request(request)
        raw = b"".join(response.iter_raw())
        return httpx.Response(response.status_code, headers=response.headers, content=raw, request=request)
