"""An in-memory sliding-window rate limiter (per process).

Keys are transient (for receipt codes: the client's address). They live only in this
process's memory for the length of the window and are never written anywhere, and
never stored with answers. With several worker processes each counts on its own,
which still makes guessing 8-character codes impractical.
"""
from __future__ import annotations

import threading
import time
from collections import deque
from typing import Callable


class SlidingWindowLimiter:
    """Allow at most ``limit`` events per ``window`` seconds for each key."""

    def __init__(self, limit: int, window: float,
                 clock: Callable[[], float] = time.monotonic):
        self.limit = limit
        self.window = window
        self.clock = clock
        self._events: dict[str, deque[float]] = {}
        self._misses: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def _recent(self, table: dict[str, deque[float]], key: str, now: float) -> deque[float]:
        events = table.setdefault(key, deque())
        while events and events[0] <= now - self.window:
            events.popleft()
        return events

    def hit(self, key: str) -> bool:
        """Record one event for ``key``; False when it exceeds the limit (not recorded)."""
        if self.limit <= 0:
            return True
        with self._lock:
            now = self.clock()
            events = self._recent(self._events, key, now)
            if len(events) >= self.limit:
                return False
            events.append(now)
            if len(self._events) > 10_000:
                self._prune(now)
            return True

    def miss(self, key: str) -> int:
        """Record a failed lookup for ``key``; returns the misses within the window."""
        with self._lock:
            now = self.clock()
            misses = self._recent(self._misses, key, now)
            misses.append(now)
            return len(misses)

    def _prune(self, now: float) -> None:
        for table in (self._events, self._misses):
            for key in [k for k, v in table.items() if not v or v[-1] <= now - self.window]:
                del table[key]

    def reset(self) -> None:
        """Forget everything (tests, or an operator after a false alarm)."""
        with self._lock:
            self._events.clear()
            self._misses.clear()
