"""The simulator's own clock: real time plus an offset that tests move forward.

Code lifetimes, token expiry and per-minute quotas all read this clock, so a test can jump five
minutes ahead (``POST /_sim/clock {"advance": 300}``) instead of sleeping.
"""

from __future__ import annotations

import threading
import time

__all__ = ["SimClock"]


class SimClock:
    """Thread-safe wall clock with an adjustable offset (seconds)."""

    def __init__(self) -> None:
        self._offset = 0.0
        self._lock = threading.Lock()

    def now(self) -> float:
        """Simulated seconds since the epoch."""
        return time.time() + self._offset

    @property
    def offset(self) -> float:
        """Seconds the clock runs ahead of (positive) or behind real time."""
        return self._offset

    def advance(self, seconds: float) -> float:
        """Move the clock forward by ``seconds`` (negative moves back); returns the new time."""
        with self._lock:
            self._offset += seconds
        return self.now()

    def set(self, timestamp: float) -> float:
        """Make the clock read ``timestamp`` now; returns it."""
        with self._lock:
            self._offset = timestamp - time.time()
        return self.now()

    def reset(self) -> None:
        """Back to real time."""
        with self._lock:
            self._offset = 0.0
