"""The claimant's post is counted in process for ``memory://`` (no timer thread per
post): the same moving windows as the ``limits`` library's, bounded in memory."""
from __future__ import annotations

import random

from limits import RateLimitItemPerSecond, storage, strategies

from survey.services.intake.ratelimit import (RATE_CLIENT, RATE_UNIT, LocalWindows,
                                              SubmissionLimiter)


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_window_admits_its_limit_then_frees_a_place_as_the_oldest_hit_ages():
    clock = Clock()
    windows = LocalWindows(clock)
    assert [windows.hit("n", "k", 3, 60) for _ in range(4)] == [True, True, True, False]
    assert windows.hit("n", "other", 3, 60) and windows.hit("m", "k", 3, 60)
    clock.now += 59.9
    assert not windows.hit("n", "k", 3, 60)  # a refused hit is not recorded…
    clock.now += 0.2
    assert windows.hit("n", "k", 3, 60)  # …so the first three age out on time
    assert windows.hit("n", "k", 3, 60) and windows.hit("n", "k", 3, 60)
    assert not windows.hit("n", "k", 3, 60)


def test_idle_keys_are_swept_and_reset_forgets_everything():
    clock = Clock()
    windows = LocalWindows(clock)
    windows.SWEEP = 10
    for client in range(9):
        windows.hit("n", str(client), 5, 30)
    clock.now += 31
    windows.hit("n", "late", 5, 30)  # the tenth call sweeps first
    assert set(windows.hits) == {("n", "late")}
    windows.reset()
    assert windows.hits == {}


def test_the_same_decisions_as_the_limits_librarys_moving_window():
    """A random stream of hits from a few clients, in order with random gaps: every
    accept/refuse decision equals the ``limits`` memory store's (which reads the wall
    clock, so times are shifted onto it)."""
    import time as real_time
    from unittest import mock

    rng = random.Random(7)
    clock = Clock()
    local = LocalWindows(clock)
    reference = strategies.MovingWindowRateLimiter(storage.MemoryStorage())
    item = RateLimitItemPerSecond(4, 10)
    # Ahead of the real clock: the reference's expiry thread runs on real time and must
    # never find these entries old.
    now = real_time.time() + 1_000_000.0
    for _ in range(400):
        gap = rng.choice([0.01, 0.5, 2.0, 6.0])
        now += gap
        clock.now += gap
        key = rng.choice("abc")
        with mock.patch.object(real_time, "time", return_value=now):
            expected = reference.hit(item, "n", key)
        assert local.hit("n", key, 4, 10) == expected


def test_the_submission_limiter_names_the_limit_passed():
    limiter = SubmissionLimiter(2, 900, 3, 3600, "memory://", b"secret")
    assert limiter.local is not None and limiter.strategy is None
    assert [limiter.check("198.51.100.1", 7) for _ in range(3)] == [None, None, RATE_CLIENT]
    assert limiter.check("198.51.100.2", 7) == RATE_UNIT  # the counter's fourth post
    assert limiter.check("198.51.100.3", 8) is None  # another counter
    limiter.reset()
    assert limiter.check("198.51.100.1", 7) is None
