"""One call to WeChat from request to answer: the rules both clients follow.

Protocol reference: WeChat answers errors with HTTP 200 and an ``errcode``; bodies must be UTF-8
without ``\\uXXXX`` escapes or WeChat may answer 40033.

* Every call has the ``CLIENT.TIMEOUT`` timeout; the body is parsed as JSON whatever the
  Content-Type says (``sns/*`` answers are sent as ``text/plain``).
* ``errcode -1`` (system busy) is retried ``CLIENT.MAX_RETRIES`` times with jittered exponential
  backoff.  A failure to connect is retried the same way (nothing reached WeChat).
* Anything else that failed in flight (dropped connection, HTTP 5xx without JSON) is retried only
  for idempotent calls, and never after a read timeout: WeChat may have acted on a message send or
  consumed a single-use code, and a slow upstream does not get faster by waiting three times.
* 45009/45011 and every other errcode are raised at once (:func:`~djwechat.client.errors.error_for`).
* Exception messages and log lines name the API path, never the URL with its query (which holds
  the app secret or access token).

:func:`exchange` is the whole flow as a coroutine over a :class:`Sender`; the sessions in
:mod:`djwechat.client.http` only provide the sending and the sleeping.
"""

from __future__ import annotations

import json
import logging
import random
import time
from typing import Any, Final, Protocol, TypeVar

import httpx
from django.views.decorators.debug import sensitive_variables

from djwechat.client.api import APICall
from djwechat.client.errors import BUSY_ERRCODES, errcode_of, error_for
from djwechat.exceptions import UpstreamError, UpstreamTimeoutError

__all__ = ["Sender", "backoff_delay", "client_options", "exchange"]

logger = logging.getLogger("djwechat.client")

T = TypeVar("T")

_USER_AGENT: Final = "djwechat"
#: Errors raised before the request left this host: always safe to send again.
_NOT_SENT: Final = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)


class Sender(Protocol):
    """The I/O of :func:`exchange`: blocking in the sync session, asynchronous in the async one."""

    async def send(
        self, method: str, path: str, *, params: Any, content: bytes | None, headers: dict[str, str]
    ) -> httpx.Response:
        """One HTTP request to ``path`` (relative to ``API_BASE_URL``); raises ``httpx.HTTPError``."""
        ...

    async def sleep(self, seconds: float) -> None:
        """Wait before a retry."""
        ...


def backoff_delay(attempt: int, *, base: float = 0.1, cap: float = 2.0) -> float:
    """Seconds to wait before retry ``attempt`` (0-based): exponential, capped, with ±50 % jitter.

    The jitter spreads retries of many workers that failed together so they do not hit WeChat
    in lockstep.
    """
    return float(min(cap, base * (2**attempt)) * random.uniform(0.5, 1.5))  # noqa: S311 - not security


def client_options(*, base_url: str, timeout: float) -> dict[str, Any]:
    """Keyword arguments of the ``httpx.Client`` / ``httpx.AsyncClient`` of a session."""
    return {
        "base_url": base_url.rstrip("/"),
        "timeout": httpx.Timeout(timeout),
        "headers": {"User-Agent": _USER_AGENT},
        "follow_redirects": False,
    }


@sensitive_variables()
async def exchange(sender: Sender, call: APICall[T], *, max_retries: int, timeout: float) -> T:
    """Send ``call`` (retrying as the module says) and return its parsed answer.

    Raises the :class:`~djwechat.exceptions.APIError` of the errcode table,
    :class:`UpstreamTimeoutError` when WeChat does not answer within ``timeout`` and
    :class:`UpstreamError` for network failures, persistent "system busy" and answers that are not
    a JSON object.
    """
    content, headers = _encode(call)
    attempt = 0
    while True:
        started = time.monotonic()
        try:
            response = await sender.send(
                call.method, call.path, params=call.params, content=content, headers=headers
            )
        except httpx.HTTPError as exc:
            if attempt < max_retries and _may_resend(exc, call):
                await sender.sleep(_retry_delay(call, attempt, type(exc).__name__))
                attempt += 1
                continue
            raise _network_error(exc, call, timeout) from None
        answer = _parse(response)
        errcode = errcode_of(answer) if answer is not None else None
        logger.debug(
            "WeChat %s %s -> HTTP %s errcode %s in %.0f ms",
            call.method,
            call.path,
            response.status_code,
            errcode,
            (time.monotonic() - started) * 1000,
        )
        retry = _retry_reason(call, response, answer, errcode)
        if retry is not None and attempt < max_retries:
            await sender.sleep(_retry_delay(call, attempt, retry))
            attempt += 1
            continue
        return _result(call, response, answer)


def _encode(call: APICall[Any]) -> tuple[bytes | None, dict[str, str]]:
    if call.body is None:
        return None, {}
    # WeChat stores \uXXXX escapes literally or refuses them (40033): send real UTF-8.
    content = json.dumps(call.body, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    return content, {"Content-Type": "application/json; charset=utf-8"}


def _may_resend(exc: httpx.HTTPError, call: APICall[Any]) -> bool:
    """Nothing was sent, or the call is idempotent and did not time out waiting for the answer."""
    return isinstance(exc, _NOT_SENT) or (call.idempotent and not isinstance(exc, httpx.TimeoutException))


def _network_error(exc: httpx.HTTPError, call: APICall[Any], timeout: float) -> UpstreamError:
    logger.warning("WeChat %s %s failed: %s", call.method, call.path, type(exc).__name__)
    if isinstance(exc, httpx.TimeoutException):
        return UpstreamTimeoutError(f"WeChat did not answer {call.path} within {timeout:g} s.", api=call.path)
    return UpstreamError(
        f"WeChat could not be reached for {call.path} ({type(exc).__name__}).", api=call.path
    )


def _parse(response: httpx.Response) -> dict[str, Any] | None:
    try:
        answer = json.loads(response.content)
    except (ValueError, RecursionError):
        return None
    return answer if isinstance(answer, dict) else None


def _retry_reason(
    call: APICall[Any], response: httpx.Response, answer: dict[str, Any] | None, errcode: int | None
) -> str | None:
    """Why this answer is worth sending the call again, or ``None``."""
    if answer is None:
        # An HTTP 5xx without JSON came from a proxy or load balancer: maybe WeChat acted.
        return f"HTTP {response.status_code}" if response.status_code >= 500 and call.idempotent else None
    if errcode in BUSY_ERRCODES:
        return f"errcode {errcode}"
    return None


def _result(call: APICall[T], response: httpx.Response, answer: dict[str, Any] | None) -> T:
    """The parsed answer, or the exception for it."""
    if answer is None:
        raise UpstreamError(
            f"WeChat answered {call.path} with HTTP {response.status_code} and no JSON object.",
            api=call.path,
        )
    errcode = errcode_of(answer)
    if not errcode:
        return call.parse(answer)
    if errcode in call.errcode_results:
        return call.errcode_results[errcode]
    raise error_for(
        answer,
        api=call.path,
        secrets=[s for s in call.secrets if s],
        uses_access_token=call.uses_access_token,
    )


def _retry_delay(call: APICall[Any], attempt: int, reason: str) -> float:
    delay = backoff_delay(attempt)
    logger.info("WeChat %s: %s, retrying in %.2f s", call.path, reason, delay)
    return delay
