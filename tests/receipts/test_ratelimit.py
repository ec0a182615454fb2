"""Receipt-code lookup limits: per worker in memory, shared by every worker through Redis,
never holding a client address, and never turning a claimant away when the store is down."""
from __future__ import annotations

import logging
import os
import uuid

import pytest

from survey.services.intake.ratelimit import LookupLimiter

STORES = ["memory"] + (["redis"] if os.environ.get("SURVEY_TEST_REDIS_URL") else [])


@pytest.fixture(params=STORES)
def store(request):
    """A storage URL; for Redis a key prefix of its own is not possible, so the test's
    counts live under fresh client addresses and are cleared afterwards."""
    if request.param == "memory":
        yield "memory://"
        return
    url = os.environ["SURVEY_TEST_REDIS_URL"]
    yield url
    LookupLimiter(1, 60, url).reset()


def test_limit_per_client(store):
    limiter = LookupLimiter(3, 60, store, b"secret")
    client = f"10.0.{uuid.uuid4().int % 250}.1"
    assert [limiter.hit(client) for _ in range(4)] == [True, True, True, False]
    assert limiter.hit("192.0.2.7")  # another client has its own count
    assert [limiter.miss(client) for _ in range(3)] == [1, 2, 3]


def test_workers_share_the_limit_only_through_a_shared_store(store):
    client = f"10.1.{uuid.uuid4().int % 250}.1"
    first, second = (LookupLimiter(4, 60, store, b"secret") for _ in range(2))
    assert all(first.hit(client) for _ in range(3))
    second.miss(client)
    if store == "memory://":  # each worker process counts on its own
        assert all(second.hit(client) for _ in range(4)) and first.miss(client) == 1
    else:  # one count for all workers and servers
        assert second.hit(client) and not second.hit(client) and not first.hit(client)
        assert first.miss(client) == 2


def stored_keys(limiter: LookupLimiter, store: str) -> list[str]:
    if store == "memory://":
        return [*limiter.storage.events, *limiter.storage.storage]
    import redis

    connection = redis.Redis.from_url(store)
    keys = [key.decode() for key in connection.scan_iter("*")]
    connection.close()
    return keys


def test_the_store_never_holds_the_client_address(store):
    limiter = LookupLimiter(5, 60, store, b"secret")
    limiter.hit("203.0.113.77")
    limiter.miss("203.0.113.77")
    keys = stored_keys(limiter, store)
    assert len(keys) >= 2 and not any("203.0.113" in key for key in keys)


def test_keys_are_keyed_hashes():
    one, other = LookupLimiter(1, 60, secret=b"a"), LookupLimiter(1, 60, secret=b"b")
    assert one._key("10.0.0.1") != other._key("10.0.0.1")
    assert "10.0.0.1" not in one._key("10.0.0.1") and len(one._key("10.0.0.1")) == 32


def test_an_unreachable_store_lets_claimants_in(caplog):
    limiter = LookupLimiter(1, 60, "redis://127.0.0.1:1/0", b"secret")
    with caplog.at_level(logging.ERROR, logger="survey.services.intake.ratelimit"):
        assert [limiter.hit("10.9.9.9") for _ in range(3)] == [True, True, True]
        assert limiter.miss("10.9.9.9") == 0
    assert any("rate limit unavailable" in record.getMessage() for record in caplog.records)
