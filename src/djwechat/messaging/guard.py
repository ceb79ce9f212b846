"""The 5-second guard: handlers run in a bounded thread pool under a time budget.

WeChat drops a push that gets no answer within 5 seconds, retries it, and finally shows the user
"该公众号暂时无法提供服务" (developers.weixin.qq.com/doc/offiaccount/Message_Management/
Passive_user_reply_message.html).  So the request thread hands the handler to a pool thread and
waits at most ``MESSAGES.HANDLER_BUDGET`` seconds (4 by default, leaving time for the network):

* finished in time - its reply is the HTTP answer;
* still running - the push is answered ``success`` and the handler keeps running; when it
  returns, ``on_late`` gets its reply (the message server sends it through the
  customer-service API as a background task).

Exactly one of the two happens for every handler: ``Future.add_done_callback`` runs the late
callback once, also when the handler finishes in the instant between the timeout and the
registration.

The pool is per process and bounded (``max_workers`` threads); when every thread is busy, new
handlers queue and their wait counts against their own budget.  A budget of 0 turns the guard
off: handlers then run in the request thread.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass
from typing import Generic, TypeVar

from django.db import close_old_connections

__all__ = ["GuardOutcome", "HandlerGuard"]

logger = logging.getLogger("djwechat.messaging")

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class GuardOutcome(Generic[T]):
    """``finished`` is ``False`` when the budget ran out (``value`` is then ``None``)."""

    finished: bool
    value: T | None = None


class HandlerGuard:
    """A bounded thread pool that runs calls under a time budget (see the module documentation)."""

    def __init__(self, *, max_workers: int = 8) -> None:
        #: Size of the pool: handlers that may run at once in this process.
        self.max_workers = max_workers
        self._executor = ThreadPoolExecutor(max_workers=max_workers, thread_name_prefix="djwechat-handler")
        #: Handlers past their budget whose late reply is not delivered yet.
        self._late = 0
        self._idle = threading.Condition()

    def run(
        self,
        call: Callable[[], T],
        *,
        budget: float,
        on_late: Callable[[T], None],
        label: str = "handler",
    ) -> GuardOutcome[T]:
        """Run ``call`` and wait at most ``budget`` seconds for it.

        Returns ``GuardOutcome(True, value)`` when it finished in time; re-raises its exception
        when it failed in time.  Otherwise returns ``GuardOutcome(False)`` and later calls
        ``on_late(value)`` in the pool thread (a late failure is logged, never raised).
        """
        if budget <= 0:
            return GuardOutcome(True, call())
        future = self._executor.submit(_with_db_hygiene, call)
        try:
            return GuardOutcome(True, future.result(timeout=budget))
        except FutureTimeout:
            pass
        logger.warning(
            "%s still running after %.1fs: answered 'success', the reply will follow", label, budget
        )
        with self._idle:
            self._late += 1
        future.add_done_callback(lambda done: self._finish_late(done, on_late, label))
        return GuardOutcome(False)

    def _finish_late(self, future: Future[T], on_late: Callable[[T], None], label: str) -> None:
        try:
            error = future.exception()
            if error is not None:
                logger.error("%s failed after its budget", label, exc_info=error)
                return
            try:
                on_late(future.result())
            except Exception:
                logger.exception("delivering the late reply of %s failed", label)
            finally:
                close_old_connections()
        finally:
            with self._idle:
                self._late -= 1
                self._idle.notify_all()

    def wait_idle(self, timeout: float | None = None) -> bool:
        """Wait until every late handler has finished and been delivered; ``False`` on timeout.

        For tests and graceful shutdowns.
        """
        with self._idle:
            return self._idle.wait_for(lambda: self._late == 0, timeout=timeout)

    def shutdown(self, *, wait: bool = True) -> None:
        """Stop accepting work; with ``wait``, block until the running and queued handlers finish.

        Without ``wait`` they still finish (and late replies are still delivered) in the pool's
        threads; the call just does not wait for them.
        """
        self._executor.shutdown(wait=wait)


def _with_db_hygiene(call: Callable[[], T]) -> T:
    # Pool threads hold their own database connections: apply CONN_MAX_AGE around each
    # handler the way Django does around each request.
    close_old_connections()
    try:
        return call()
    finally:
        close_old_connections()
