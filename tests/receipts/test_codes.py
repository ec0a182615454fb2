"""Receipt codes: alphabet, entropy, uniqueness, expiry, atomic consumption, counts."""
from __future__ import annotations

import datetime as dt
import math

import pytest
from hypothesis import given, strategies as st

from survey.models import ReceiptCode, Service, utcnow
from survey.services.intake import receipts
from survey.services.errors import ServiceError
from survey.timeutil import local_date


@pytest.fixture
def counter(demo, db):
    return demo.unit_by_code(db.session, "NA-VINH-Q1")


@pytest.fixture
def service(demo, db):
    return demo.service_by_code(db.session, "ui_apply")


def test_alphabet_has_no_lookalikes_and_about_40_bits():
    assert not set("0O1IL") & set(receipts.ALPHABET)
    assert len(set(receipts.ALPHABET)) == len(receipts.ALPHABET) == 31
    bits = receipts.CODE_LENGTH * math.log2(len(receipts.ALPHABET))
    assert 39 < bits < 41


def test_generated_codes_use_the_alphabet_and_look_random():
    codes = [receipts.generate_code() for _ in range(3000)]
    assert all(len(c) == 8 and set(c) <= set(receipts.ALPHABET) for c in codes)
    assert len(set(codes)) == len(codes)
    # Every symbol appears, none dominates (expected 3000·8/31 ≈ 774 each).
    counts = {ch: sum(c.count(ch) for c in codes) for ch in receipts.ALPHABET}
    assert min(counts.values()) > 600 and max(counts.values()) < 950


def test_codes_come_from_secrets(monkeypatch):
    calls = []
    monkeypatch.setattr(receipts.secrets, "choice", lambda seq: calls.append(seq) or seq[0])
    assert receipts.generate_code() == "22222222"
    assert len(calls) == 8


@given(st.text(alphabet=receipts.ALPHABET, min_size=8, max_size=8))
def test_typed_codes_are_case_and_space_insensitive(code):
    typed = f" {code[:4].lower()}-{code[4:]} "
    assert receipts.normalize_code(typed) == code


@pytest.mark.parametrize("text", ["", "ABC", "ABCDEFGH1", "ABCD0FGH", "ABCDOFGH", "ABCDIFGH",
                                  "ABCDLFGH", "ABCDÉFGH", "ABCDEFGHJ"])
def test_invalid_codes_are_refused(text):
    assert receipts.normalize_code(text) is None


def test_issue_binds_unit_service_date_and_expiry(app, db, counter, service):
    now = dt.datetime(2026, 3, 31, 18, 30, tzinfo=dt.timezone.utc)  # 01:30 on 1 April in Vinh
    rows = receipts.issue_receipt_codes(db.session, counter, service, 5, days=14, now=now)
    db.session.commit()
    assert len({r.code for r in rows}) == 5
    for row in rows:
        assert row.unit_id == counter.id and row.service_id == service.id
        assert row.issued_on == dt.date(2026, 4, 1)
        assert row.expires_at == now + dt.timedelta(days=14)
        assert row.used_at is None
        assert receipts.find_code(db.session, row.code.lower()) is row


def test_issue_draws_again_when_a_code_exists(app, db, counter, service, monkeypatch):
    first = receipts.issue_receipt_codes(db.session, counter, service, 1)[0]
    sequence = iter([first.code, first.code, "ABCDEFGH"])
    monkeypatch.setattr(receipts, "generate_code", lambda: next(sequence))
    again = receipts.issue_receipt_codes(db.session, counter, service, 1)
    assert [r.code for r in again] == ["ABCDEFGH"]


def test_issued_codes_are_undone_by_the_callers_rollback(app, db, counter, service, count_rows):
    # E.g. the slip sheet could not be written: no code may stay issued.
    receipts.issue_receipt_codes(db.session, counter, service, 3)
    db.session.rollback()
    assert count_rows(ReceiptCode) == 0


@pytest.mark.parametrize("count", [0, -1, 1001, True, 2.5, "3"])
def test_issue_refuses_bad_counts(app, db, counter, service, count, count_rows):
    with pytest.raises(ServiceError):
        receipts.issue_receipt_codes(db.session, counter, service, count)
    assert count_rows(ReceiptCode) == 0


def test_issue_refuses_inactive_service(app, db, counter, service, count_rows):
    service.active = False
    with pytest.raises(ServiceError):
        receipts.issue_receipt_codes(db.session, counter, service, 1)
    assert count_rows(ReceiptCode) == 0


def test_states_and_expiry(app, db, counter, service):
    now = utcnow()
    old = receipts.issue_receipt_codes(db.session, counter, service, 1,
                                       now=now - dt.timedelta(days=15))[0]
    fresh = receipts.issue_receipt_codes(db.session, counter, service, 1, now=now)[0]
    assert receipts.code_state(old, now) is receipts.CodeState.expired
    assert receipts.code_state(fresh, now) is receipts.CodeState.valid
    assert receipts.code_state(fresh, now + dt.timedelta(days=14)) is receipts.CodeState.expired
    with pytest.raises(receipts.CodeAlreadyUsed):
        receipts.consume(db.session, old)


def test_consume_is_single_use(app, db, counter, service):
    row = receipts.issue_receipt_codes(db.session, counter, service, 1)[0]
    db.session.commit()
    receipts.consume(db.session, row)
    db.session.commit()
    assert receipts.code_state(row) is receipts.CodeState.used
    # A second session that still thinks the code is unused loses at the database.
    stale = db.session.get(ReceiptCode, row.id)
    db.session.expire_all()
    with pytest.raises(receipts.CodeAlreadyUsed):
        receipts.consume(db.session, stale)


def test_issued_counts_by_unit_service_and_period(app, db, demo, counter, service):
    other_unit = demo.unit_by_code(db.session, "NA-VINH-Q2")
    other_service = db.session.scalar(db.select(Service).filter_by(code="ui_report"))
    day = dt.datetime(2026, 9, 30, 16, 59, tzinfo=dt.timezone.utc)  # 23:59 on 30/9 local
    receipts.issue_receipt_codes(db.session, counter, service, 3, now=day)
    receipts.issue_receipt_codes(db.session, counter, other_service, 2, now=day)
    receipts.issue_receipt_codes(db.session, other_unit, service, 4,
                                 now=day + dt.timedelta(minutes=2))  # 1/10 local
    db.session.commit()
    q3 = (dt.date(2026, 7, 1), dt.date(2026, 9, 30))
    assert receipts.issued_counts(db.session, *q3) == {counter.id: 5}
    assert receipts.issued_counts(db.session, *q3, by_service=True) == {
        (counter.id, service.id): 3, (counter.id, other_service.id): 2}
    assert receipts.issued_counts(db.session, dt.date(2026, 9, 1), dt.date(2026, 10, 31),
                                  unit_ids=[other_unit.id]) == {other_unit.id: 4}
    assert receipts.issued_counts(db.session, dt.date(2026, 11, 1),
                                  dt.date(2026, 11, 30)) == {}


def test_response_rate_from_issued_codes(app, db, counter, service, make_response):
    """Responses that came with a receipt over codes issued: the fallback response rate."""
    from survey.models import Channel, Response

    now = utcnow()
    rows = receipts.issue_receipt_codes(db.session, counter, service, 8, now=now)
    for row in rows[:3]:
        make_response(counter, service, channel=Channel.receipt, receipt_code=row)
        receipts.consume(db.session, row)
    make_response(counter, service)  # a poster response: not part of the receipt rate
    db.session.commit()
    today = local_date(now)
    served = receipts.issued_counts(db.session, today, today)[counter.id]
    answered = db.session.scalar(db.select(db.func.count()).select_from(Response).where(
        Response.receipt_code_id.is_not(None)))
    assert (answered, served) == (3, 8)
    assert answered / served == pytest.approx(0.375)
