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
from typing import Optional, cast

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


class SubmissionLimiter:
    """Phone form posts per client and per unit (counter) within moving windows.

    Nothing is refused: beyond either limit :meth:`check` names the reason, and the
    response is stored flagged (left out of verdicts until a manager restores it), so a
    false alarm loses nothing. The client is counted under a keyed hash of its address,
    held only in the limiter's store for the window, never with the answers.
    """

    def __init__(self, client_limit: int, client_window: int, unit_limit: int,
                 unit_window: int, storage_uri: str = "memory://", secret: bytes = b""):
        self.storage = open_storage(storage_uri)
        self.strategy = strategies.MovingWindowRateLimiter(self.storage)
        self.client = (RateLimitItemPerSecond(client_limit, max(client_window, 1))
                       if client_limit > 0 else None)
        self.unit = (RateLimitItemPerSecond(unit_limit, max(unit_window, 1))
                     if unit_limit > 0 else None)
        self.secret = secret

    def check(self, client: str, unit_id: int) -> Optional[str]:
        """Count one post; the reason to flag it (:data:`RATE_CLIENT`,
        :data:`RATE_UNIT`), or None when it is within both limits."""
        reason = None
        try:
            if self.client is not None:
                key = hmac.new(self.secret, client.encode(), hashlib.sha256).hexdigest()[:32]
                if not self.strategy.hit(self.client, "submit-client", key):
                    reason = RATE_CLIENT
            if self.unit is not None and not self.strategy.hit(
                    self.unit, "submit-unit", str(unit_id)):
                reason = reason or RATE_UNIT
        except Exception as exc:  # the shared store is down: the scan still looks later
            log.error("submission rate limit unavailable, post not counted: %s", exc)
            return None
        return reason

    def reset(self) -> None:
        """Forget every count (tests, or an operator after a false alarm)."""
        self.storage.reset()
