"""Writes that may wait a moment: one thread per process flushes them shortly after they are asked for.

A write that no reader needs within the next few milliseconds (the stored answer of a push that
was just answered) does not have to cost its request a cache round trip: it can ride along with
the next round trip the process makes anyway, or go out with others in one pipeline.  An owner
(:class:`Flushable`) keeps such writes in a buffer and calls :meth:`Flusher.wake`; the flusher's
thread then waits ``delay`` seconds (so that busy processes send most of them along with other
commands) and calls every owner's ``flush``.  An idle process's thread sleeps; it wakes at most
once per ``delay`` under load, and at exit it flushes what is left.
"""

from __future__ import annotations

import atexit
import logging
import os
import threading
import time
import weakref
from typing import Final, Protocol

__all__ = ["Flushable", "Flusher", "flusher"]

logger = logging.getLogger("djwechat")

#: Seconds between a buffered write and its flush when nothing sent it earlier.
DELAY: Final = 0.05


class Flushable(Protocol):
    """An owner of buffered writes."""

    def flush(self) -> None:
        """Send the buffered writes now (an error is logged by the flusher)."""


class Flusher:
    """The per-process thread that flushes buffered writes ``delay`` seconds after a :meth:`wake`."""

    def __init__(self, delay: float = DELAY) -> None:
        self.delay = delay
        self._owners: weakref.WeakSet[Flushable] = weakref.WeakSet()
        self._wanted = threading.Event()
        self._lock = threading.Lock()
        self._pid = 0

    def register(self, owner: Flushable) -> None:
        """Flush ``owner`` after each :meth:`wake` (held weakly) and at exit."""
        with self._lock:
            self._owners.add(owner)

    def wake(self) -> None:
        """Something was buffered: flush within ``delay`` seconds."""
        if self._pid != os.getpid():
            self._start()
        if not self._wanted.is_set():  # set already: the flush to come takes this write too
            self._wanted.set()

    def flush_all(self) -> None:
        """Flush every owner now (in the calling thread)."""
        with self._lock:
            owners = list(self._owners)
        for owner in owners:
            try:
                owner.flush()
            except Exception:
                logger.warning("a deferred write failed", exc_info=True)

    def _start(self) -> None:
        # Lazily, and again in a forked child: threads do not survive a fork.
        with self._lock:
            if self._pid == os.getpid():
                return
            self._pid = os.getpid()
            self._wanted = threading.Event()
            threading.Thread(target=self._run, name="djwechat-flusher", daemon=True).start()

    def _run(self) -> None:
        wanted = self._wanted
        while True:
            wanted.wait()
            time.sleep(self.delay)
            wanted.clear()
            self.flush_all()


flusher: Final = Flusher()
atexit.register(flusher.flush_all)
