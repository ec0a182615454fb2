"""Throttling of kiosk pairing: wrong pairing codes counted per client and in total.

A pairing code is ten random digits and valid for a day, but nothing stopped a script
from trying thousands a second. Wrong codes are counted within a moving window in the
``limits`` storage the other limits use (``SURVEY_RATELIMIT_STORAGE``, shared through
Redis when several workers or servers run), per client under a keyed hash of its address
(never the address itself) and for the whole server. Once either count is used up,
attempts are refused without looking at the code until the window moves on. The total
limit makes guessing hopeless even from many addresses; its cost is that a real kiosk
may have to wait a few minutes during an attack.
"""
from __future__ import annotations

import hashlib
import hmac
import logging
import math
import time

from limits import RateLimitItemPerSecond, strategies

from ..intake.ratelimit import open_storage

log = logging.getLogger(__name__)

NAMESPACE = "kiosk-pairing"


class PairingLimiter:
    """Counts wrong pairing codes per client and in total within a moving window."""

    def __init__(self, client_limit: int, total_limit: int, window_seconds: int,
                 storage_uri: str = "memory://", secret: bytes = b""):
        self.window = window_seconds
        self.storage = open_storage(storage_uri)
        self.strategy = strategies.MovingWindowRateLimiter(self.storage)
        self.client = RateLimitItemPerSecond(max(client_limit, 1), window_seconds)
        self.total = RateLimitItemPerSecond(max(total_limit, 1), window_seconds)
        self.secret = secret

    def _keys(self, client: str) -> list[tuple[RateLimitItemPerSecond, str]]:
        hashed = hmac.new(self.secret, f"client:{client}".encode(), hashlib.sha256)
        return [(self.client, hashed.hexdigest()[:32]), (self.total, "all")]

    def wait(self, client: str) -> int:
        """Seconds before this client may try a code again; 0 when it may now."""
        try:
            waits = [self._seconds_left(item, key) for item, key in self._keys(client)
                     if not self.strategy.test(item, NAMESPACE, key)]
        except Exception as exc:  # the shared store is down: codes are still checked
            log.error("kiosk pairing throttling unavailable, attempt checked: %s", exc)
            return 0
        return max(waits, default=0)

    def _seconds_left(self, item: RateLimitItemPerSecond, key: str) -> int:
        reset_at = self.strategy.get_window_stats(item, NAMESPACE, key).reset_time
        return max(1, math.ceil(reset_at - time.time()))

    def failed(self, client: str) -> int:
        """Count one wrong code; returns the client's wrong codes within the window."""
        try:
            for item, key in self._keys(client):
                self.strategy.hit(item, NAMESPACE, key)
            item, key = self._keys(client)[0]
            stats = self.strategy.get_window_stats(item, NAMESPACE, key)
        except Exception as exc:
            log.error("kiosk pairing throttling unavailable, failure not counted: %s", exc)
            return 0
        return item.amount - stats.remaining

    def reset(self) -> None:
        """Forget every count (tests, or an operator after a false alarm)."""
        self.storage.reset()
