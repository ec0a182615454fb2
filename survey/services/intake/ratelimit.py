"""Rate limits for receipt-code lookups, kept by the ``limits`` library.

Storage comes from ``SURVEY_RATELIMIT_STORAGE``: ``memory://`` (the default) counts in
each worker process on its own; ``redis://host:6379/0`` shares the counts between every
worker and server, so that running more of them does not multiply the limit.

Keys are transient client addresses, and even those are never stored: the limiter
keeps a keyed hash (HMAC with the app's secret key) for the length of the window.
Nothing here is ever written with answers. If the shared store cannot be reached,
lookups are allowed (and that is logged): a claimant must not be turned away because
of it, and codes stay impractical to guess at about 40 bits.
"""
from __future__ import annotations

import hashlib
import hmac
import logging
import time
from collections import deque
from threading import Lock
from typing import Callable, Optional, cast

from limits import RateLimitItemPerSecond, storage, strategies

log = logging.getLogger(__name__)

#: Seconds to wait for a shared store before giving up on it for this request.
STORE_TIMEOUTS = {"socket_connect_timeout": 0.5, "socket_timeout": 0.5}
#: Misses are counted with a ceiling no client can reach.
_COUNT_ONLY = 1_000_000


def open_storage(storage_uri: str) -> storage.Storage:
    """The ``limits`` storage at ``storage_uri``; a shared store that does not answer
    must not hold a page for long."""
    options = STORE_TIMEOUTS if storage_uri.startswith(("redis", "rediss")) else {}
    return cast(storage.Storage, storage.storage_from_string(storage_uri, **options))


class LookupLimiter:
    """At most ``limit`` lookups per ``window`` seconds for each client; misses counted."""

    def __init__(self, limit: int, window: int, storage_uri: str = "memory://",
                 secret: bytes = b""):
        self.limit = limit
        self.window = window
        self.storage = open_storage(storage_uri)
        self.strategy = strategies.MovingWindowRateLimiter(self.storage)
        self.lookups = RateLimitItemPerSecond(max(limit, 1), window)
        self.misses = RateLimitItemPerSecond(_COUNT_ONLY, window)
        self.secret = secret

    def _key(self, client: str) -> str:
        return hmac.new(self.secret, client.encode(), hashlib.sha256).hexdigest()[:32]

    def hit(self, client: str) -> bool:
        """Record one lookup; False when it exceeds the limit (not recorded)."""
        if self.limit <= 0:
            return True
        try:
            return self.strategy.hit(self.lookups, "receipt-lookup", self._key(client))
        except Exception as exc:  # the shared store is down: let the claimant in
            log.error("receipt-code rate limit unavailable, lookup allowed: %s", exc)
            return True

    def miss(self, client: str) -> int:
        """Record a failed lookup; returns the client's misses within the window."""
        key = self._key(client)
        try:
            self.strategy.hit(self.misses, "receipt-miss", key)
            stats = self.strategy.get_window_stats(self.misses, "receipt-miss", key)
        except Exception as exc:
            log.error("receipt-code rate limit unavailable, miss not counted: %s", exc)
            return 0
        return _COUNT_ONLY - stats.remaining

    def reset(self) -> None:
        """Forget every count (tests, or an operator after a false alarm)."""
        self.storage.reset()


#: Reasons a phone form post is stored flagged by :class:`SubmissionLimiter`.
RATE_CLIENT = "rate_client"
RATE_UNIT = "rate_unit"


class LocalWindows:
    """Moving windows kept in this process: what ``memory://`` means for the claimant's
    post, which is on every submission's path.

    The ``limits`` library's memory store starts a timer thread to expire its entries
    whenever none is running, which under a steady stream of posts is one new thread
    for about every third post (0.3–0.5 ms each, docs/performance.md). Here each key
    holds the times of its accepted hits; old ones are dropped when the key is hit, and
    keys idle for longer than their window are swept every :attr:`SWEEP` hits, so memory
    stays bounded by the clients of the last window.
    """

    SWEEP = 4096

    def __init__(self, clock: Callable[[], float] = time.monotonic):
        self.clock = clock
        self.hits: dict[tuple[str, str], tuple[float, deque[float]]] = {}
        self.lock = Lock()
        self.calls = 0

    def hit(self, namespace: str, key: str, limit: int, window: float) -> bool:
        """Record one hit of ``key``; False (and nothing recorded) when ``limit`` hits
        were accepted within the last ``window`` seconds."""
        now = self.clock()
        with self.lock:
            self.calls += 1
            if self.calls % self.SWEEP == 0:
                self._sweep(now)
            found = self.hits.get((namespace, key))
            if found is None:
                found = self.hits[(namespace, key)] = (window, deque())
            times = found[1]
            while times and times[0] <= now - window:
                times.popleft()
            if len(times) >= limit:
                return False
            times.append(now)
            return True

    def _sweep(self, now: float) -> None:
        stale = [k for k, (window, times) in self.hits.items()
                 if not times or times[-1] <= now - window]
        for k in stale:
            del self.hits[k]

    def reset(self) -> None:
        with self.lock:
            self.hits.clear()


class SubmissionLimiter:
    """Phone form posts per client and per unit (counter) within moving windows.

    Nothing is refused: beyond either limit :meth:`check` names the reason, and the
    response is stored flagged (left out of verdicts until a manager restores it), so a
    false alarm loses nothing. The client is counted under a keyed hash of its address,
    held only in the limiter's store for the window, never with the answers.
    """

    def __init__(self, client_limit: int, client_window: int, unit_limit: int,
                 unit_window: int, storage_uri: str = "memory://", secret: bytes = b""):
        self.local = LocalWindows() if storage_uri.startswith("memory") else None
        self.storage = None if self.local else open_storage(storage_uri)
        self.strategy = (None if self.storage is None
                         else strategies.MovingWindowRateLimiter(self.storage))
        self.client = (RateLimitItemPerSecond(client_limit, max(client_window, 1))
                       if client_limit > 0 else None)
        self.unit = (RateLimitItemPerSecond(unit_limit, max(unit_window, 1))
                     if unit_limit > 0 else None)
        self.secret = secret

    def _hit(self, item: RateLimitItemPerSecond, namespace: str, key: str) -> bool:
        if self.local is not None:
            return self.local.hit(namespace, key, item.amount, item.get_expiry())
        assert self.strategy is not None
        return bool(self.strategy.hit(item, namespace, key))

    def check(self, client: str, unit_id: int) -> Optional[str]:
        """Count one post; the reason to flag it (:data:`RATE_CLIENT`,
        :data:`RATE_UNIT`), or None when it is within both limits."""
        reason = None
        try:
            if self.client is not None:
                key = hmac.new(self.secret, client.encode(), hashlib.sha256).hexdigest()[:32]
                if not self._hit(self.client, "submit-client", key):
                    reason = RATE_CLIENT
            if self.unit is not None and not self._hit(
                    self.unit, "submit-unit", str(unit_id)):
                reason = reason or RATE_UNIT
        except Exception as exc:  # the shared store is down: the scan still looks later
            log.error("submission rate limit unavailable, post not counted: %s", exc)
            return None
        return reason

    def reset(self) -> None:
        """Forget every count (tests, or an operator after a false alarm)."""
        if self.local is not None:
            self.local.reset()
        else:
            assert self.storage is not None
            self.storage.reset()
