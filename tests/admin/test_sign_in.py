"""Signing in: the password checked, failures throttled per account and per client, every
attempt audited, and the answer the same whether or not the account exists."""
from __future__ import annotations

import os
import uuid

import pytest
import sqlalchemy as sa

from survey.models import AuditEvent, Outcome
from survey.services import accounts
from survey.services.accounts import SignInLimiter

from .conftest import PASSWORD

STORES = ["memory"] + (["redis"] if os.environ.get("SURVEY_TEST_REDIS_URL") else [])


@pytest.fixture(params=STORES)
def limiter(request):
    url = "memory://" if request.param == "memory" else os.environ["SURVEY_TEST_REDIS_URL"]
    limiter = SignInLimiter(5, 20, 900, url, uuid.uuid4().bytes)  # a key of its own
    yield limiter
    if request.param != "memory":
        limiter.reset()


def events(db) -> list[tuple[str, str, str]]:
    return [(e.actor_label, e.outcome.value, e.detail.get("reason", ""))
            for e in db.session.scalars(sa.select(AuditEvent).where(
                AuditEvent.action == "auth.sign_in").order_by(AuditEvent.id))]


def test_right_password_signs_in_wrong_one_does_not(db, make_user, limiter):
    user = make_user("an@example.org")
    assert accounts.sign_in(db.session, limiter, "An@Example.org ", PASSWORD, "10.0.0.1").user \
        is user
    assert user.last_sign_in_at is not None
    assert accounts.sign_in(db.session, limiter, "an@example.org", PASSWORD + "x",
                            "10.0.0.1").user is None
    assert events(db) == [("an@example.org", "success", ""),
                          ("an@example.org", "failure", "wrong_password")]


def test_no_password_unknown_and_inactive_accounts_fail_alike(db, make_user, limiter):
    make_user("nopass@example.org", password=None)
    inactive = make_user("gone@example.org")
    accounts.deactivate_user(db.session, inactive, accounts.users.audit.CLI)
    for email in ("nopass@example.org", "nobody@example.org", "gone@example.org"):
        result = accounts.sign_in(db.session, limiter, email, PASSWORD, "10.0.0.2")
        assert result.user is None and not result.throttled
    assert [reason for _who, _outcome, reason in events(db)] == [
        "no_password", "unknown_account", "inactive"]
    # An unknown account is logged without what was typed (it may be a password).
    assert events(db)[1][0] == "anonymous"


def test_five_failures_make_the_account_wait_even_with_the_right_password(db, make_user,
                                                                          limiter):
    make_user("an@example.org")
    for _ in range(5):
        assert not accounts.sign_in(db.session, limiter, "an@example.org", "wrong guess 1",
                                    f"10.1.0.{_}").throttled
    blocked = accounts.sign_in(db.session, limiter, "an@example.org", PASSWORD, "10.1.0.9")
    assert blocked.throttled and blocked.user is None
    assert events(db)[-1][1] == Outcome.throttled.value
    # Another account is not affected.
    make_user("binh@example.org")
    assert accounts.sign_in(db.session, limiter, "binh@example.org", PASSWORD,
                            "10.1.0.9").user is not None


def test_unknown_accounts_are_throttled_the_same_way(db, demo, limiter):
    for _ in range(5):
        accounts.sign_in(db.session, limiter, "nobody@example.org", "guess guess", "10.2.0.1")
    assert accounts.sign_in(db.session, limiter, "nobody@example.org", "guess guess",
                            "10.2.0.1").throttled


def test_one_client_trying_many_accounts_is_throttled(db, make_user, limiter):
    make_user("an@example.org")
    for n in range(20):
        accounts.sign_in(db.session, limiter, f"user{n}@example.org", "guess guess", "10.3.0.1")
    assert accounts.sign_in(db.session, limiter, "an@example.org", PASSWORD,
                            "10.3.0.1").throttled
    assert accounts.sign_in(db.session, limiter, "an@example.org", PASSWORD,
                            "10.3.0.2").user is not None


def test_success_forgets_the_accounts_failures(db, make_user, limiter):
    make_user("an@example.org")
    for _ in range(4):
        accounts.sign_in(db.session, limiter, "an@example.org", "wrong guess 1", "10.4.0.1")
    assert accounts.sign_in(db.session, limiter, "an@example.org", PASSWORD, "10.4.0.1").user
    for _ in range(4):
        accounts.sign_in(db.session, limiter, "an@example.org", "wrong guess 1", "10.4.0.1")
    assert not accounts.sign_in(db.session, limiter, "an@example.org", "x", "10.4.0.1").throttled


def test_the_store_holds_neither_addresses_nor_emails(db, make_user):
    # The memory store lets the test read every key it holds (Redis keys are the same).
    limiter = SignInLimiter(5, 20, 900, "memory://", uuid.uuid4().bytes)
    accounts.sign_in(db.session, limiter, "an@example.org", "wrong guess 1", "10.5.0.1")
    keys = " ".join([*limiter.storage.events, *limiter.storage.storage])
    assert keys and "an@example.org" not in keys and "10.5.0.1" not in keys


def test_an_unreachable_store_still_checks_passwords(db, make_user, caplog):
    limiter = SignInLimiter(5, 20, 900, "redis://127.0.0.1:1/0")
    user = make_user("an@example.org")
    assert accounts.sign_in(db.session, limiter, "an@example.org", PASSWORD, "10.6.0.1").user \
        is user
    assert accounts.sign_in(db.session, limiter, "an@example.org", "nope nope", "10.6.0.1") \
        .user is None
    assert "sign-in throttling unavailable" in caplog.text


def test_a_stronger_hasher_upgrades_the_hash_at_sign_in(db, make_user, limiter):
    from argon2 import PasswordHasher

    from survey.services.accounts import passwords

    user = make_user("an@example.org")
    cheap = user.password_hash
    previous = passwords.use_hasher(PasswordHasher(time_cost=2, memory_cost=1024, parallelism=1))
    try:
        accounts.sign_in(db.session, limiter, "an@example.org", PASSWORD, "10.7.0.1")
    finally:
        passwords.use_hasher(previous)
    assert user.password_hash != cheap and "m=1024,t=2,p=1" in user.password_hash
