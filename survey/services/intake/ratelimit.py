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
from typing import cast

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
