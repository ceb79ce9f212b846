"""The simulator's WSGI application: routing, fault injection, quotas and the call log.

:class:`SimulatorApp` is framework-free; the threaded HTTP server
(:mod:`djwechat.simulator.server`) and the in-process httpx transport
(:mod:`djwechat.simulator.transport`) both run it.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Final

from djwechat.simulator.api import API_ROUTES
from djwechat.simulator.control import CONTROL_ROUTES
from djwechat.simulator.errors import ControlError, DropConnection, HangConnection, SimError
from djwechat.simulator.http import BodyTooLargeError, Request, Response, json_answer
from djwechat.simulator.origin import OriginGuard
from djwechat.simulator.pages import PAGE_ROUTES, method_not_allowed
from djwechat.simulator.records import Call, Fault
from djwechat.simulator.routing import Route, Router
from djwechat.simulator.state import SimulatorState, default_state

__all__ = ["IN_PROCESS_KEY", "READ_TIMEOUT_KEY", "SECRET_FIELDS", "SimulatorApp", "mask_secrets"]

logger = logging.getLogger("djwechat.simulator")

#: WSGI environ flag set by the in-process transport: a ``timeout`` fault fails at once there.
IN_PROCESS_KEY: Final = "djwechat.simulator.in_process"
#: WSGI environ entry with the client's read timeout (seconds), set by the in-process transport.
READ_TIMEOUT_KEY: Final = "djwechat.simulator.read_timeout"
#: Fields whose values never reach the call log.
SECRET_FIELDS: Final = frozenset({"secret", "app_secret", "access_token", "refresh_token", "session_key"})
_MASK: Final = "***"


def mask_secrets(value: Any) -> Any:
    """``value`` with every secret field (see :data:`SECRET_FIELDS`) replaced by ``***``."""
    if isinstance(value, Mapping):
        return {
            key: (
                _MASK if key in SECRET_FIELDS and value[key] not in (None, "") else mask_secrets(value[key])
            )
            for key in value
        }
    if isinstance(value, list):
        return [mask_secrets(item) for item in value]
    return value


def _loggable_body(body: bytes) -> Any:
    if not body:
        return None
    try:
        return mask_secrets(json.loads(body.decode("utf-8")))
    except (ValueError, RecursionError):  # UnicodeDecodeError is a ValueError
        return body[:2000].decode("utf-8", "replace")


class SimulatorApp:
    """A fake ``api.weixin.qq.com`` + ``open.weixin.qq.com`` as a WSGI application.

    ``state`` defaults to the process-wide :func:`default_state`; ``hang_seconds`` is how long a
    ``timeout`` fault holds the connection open in server mode before closing it unanswered;
    ``hosts`` are the host names it answers besides the loopback ones (the server passes the
    one it was started on; see :mod:`djwechat.simulator.origin`).
    """

    def __init__(
        self, state: SimulatorState | None = None, *, hang_seconds: float = 30.0, hosts: Sequence[str] = ()
    ) -> None:
        self.state = state if state is not None else default_state()
        self.hang_seconds = hang_seconds
        self.router = Router([*API_ROUTES, *PAGE_ROUTES, *CONTROL_ROUTES])
        self.origin_guard = OriginGuard(hosts)

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        """The WSGI entry point. May raise :class:`DropConnection` / :class:`HangConnection`."""
        try:
            request = Request.from_environ(environ)
        except BodyTooLargeError:
            error = ControlError("request body too large", status=413, code="body_too_large")
            return json_answer(error.body(), status=413).start(start_response)
        routes, params = self.router.match(request.path)
        request.params = params
        try:
            self.origin_guard.check(request, routes, in_process=bool(environ.get(IN_PROCESS_KEY)))
        except ControlError as refused:
            return json_answer(refused.body(), status=refused.status).start(start_response)
        if routes and routes[0].kind == "control":
            response = self._control(request, routes)
        else:
            response = self._wechat(request, routes, environ)
        return response.start(start_response)

    def _pick(self, request: Request, routes: list[Route]) -> Route | None:
        for candidate in routes:
            if request.method in candidate.methods or (
                request.method == "HEAD" and "GET" in candidate.methods
            ):
                return candidate
        return None

    def _run(self, chosen: Route, request: Request) -> Response:
        result = chosen.handler(self.state, request)
        return result if isinstance(result, Response) else json_answer(result)

    def _control(self, request: Request, routes: list[Route]) -> Response:
        chosen = self._pick(request, routes)
        if chosen is None:
            allowed = sorted({m for r in routes for m in r.methods})
            error = ControlError(f"use {' or '.join(allowed)}", status=405, code="method_not_allowed")
            return json_answer(error.body(), status=405)
        try:
            return self._run(chosen, request)
        except ControlError as exc:
            return json_answer(exc.body(), status=exc.status)
        except Exception:
            logger.exception("simulator control handler failed: %s %s", request.method, request.path)
            return json_answer({"error": {"code": "server_error", "message": "simulator bug"}}, status=500)

    def _wechat(self, request: Request, routes: list[Route], environ: Mapping[str, Any]) -> Response:
        call = Call(
            id=self.state.next_id(),
            time=self.state.now(),
            method=request.method,
            path=request.path,
            query=mask_secrets(request.query),
            body=_loggable_body(request.body),
        )
        try:
            fault = self.state.take_fault(request.path.rstrip("/") or "/")
            faked = self._apply_fault(fault, call, environ) if fault is not None else None
            if faked is not None:
                response = faked
            elif not routes:
                response = json_answer({"errcode": -1, "errmsg": f"no such api: {request.path}"}, status=404)
            else:
                chosen = self._pick(request, routes)
                if chosen is None:
                    if routes[0].kind == "api":
                        raise SimError(43001 if "GET" in routes[0].methods else 43002)
                    response = method_not_allowed(request)
                else:
                    response = self._run(chosen, request)
        except SimError as exc:
            response = json_answer(exc.body())
        except (DropConnection, HangConnection):
            raise
        except Exception:
            logger.exception("simulator handler failed: %s %s", request.method, request.path)
            response = json_answer({"errcode": -1, "errmsg": "system error"}, status=500)
        call.status = response.status
        if isinstance(response.data, Mapping):
            errcode = response.data.get("errcode")
            call.errcode = errcode if isinstance(errcode, int) else None
            call.response = mask_secrets(response.data)
        if request.path.startswith("/_sim") or request.path in ("/", "/favicon.ico"):
            return response  # the simulator's own pages stay out of the log
        self.state.log_call(call)
        return response

    def _apply_fault(self, fault: Fault, call: Call, environ: Mapping[str, Any]) -> Response | None:
        """Wait, hang, drop or fail as ``fault`` says; a ``body`` fault is the answer to give."""
        in_process = bool(environ.get(IN_PROCESS_KEY))
        read_timeout = environ.get(READ_TIMEOUT_KEY)
        if fault.latency:
            if in_process and isinstance(read_timeout, int | float) and fault.latency >= read_timeout:
                # The client would give up first: wait as long as it would, then time out.
                time.sleep(read_timeout)
                self._log_fault(call, "timeout")
                raise HangConnection
            time.sleep(fault.latency)
            call.fault = "latency"
        if fault.timeout:
            self._log_fault(call, "timeout")
            if not in_process:
                self.state.hang(self.hang_seconds)
            raise HangConnection
        if fault.drop:
            self._log_fault(call, "drop")
            raise DropConnection
        if fault.errcode is not None:
            call.fault = "errcode"
            raise SimError(fault.errcode, fault.errmsg)
        if fault.body is not None:
            call.fault = "body"
            return Response(
                status=fault.status, body=fault.body.encode("utf-8"), content_type=fault.content_type
            )
        return None

    def _log_fault(self, call: Call, kind: str) -> None:
        call.fault = kind
        call.status = 0
        self.state.log_call(call)
