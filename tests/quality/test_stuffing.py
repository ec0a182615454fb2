"""The index is not for sale: 300 scripted "very satisfied" posts from one client are
stored but flagged and leave the unit's verdict unchanged; a busy real counter is not
flagged; flagged responses stay out of the index until a manager restores them."""
from __future__ import annotations

import datetime as dt
import random
import uuid

import pytest
import sqlalchemy as sa

from survey.models import Channel, Response, ResponseStatus, Unit, utcnow
from survey.models.responses import RESTORED
from survey.services.intake.ratelimit import RATE_CLIENT, RATE_UNIT
from survey.services.intake.responses import NewResponse, store_responses
from survey.services.quality import BURST_PATTERN, BURST_RATE
from survey.services.quality.scan import scan
from survey.services.reporting.index import Breakdown, IndexQuery, index_table
from survey.services.reporting.periods import parse_period
from survey.timeutil import local_date
from tests.conftest import hidden_fields

UTC = dt.timezone.utc


def counter(db, code: str) -> Unit:
    parent = db.session.scalar(sa.select(Unit).where(Unit.code == "NA-VINH"))
    unit = Unit(code=code, parent=parent, kind="counter", name_vi=f"Quầy {code}",
                name_en=f"Counter {code}")
    db.session.add(unit)
    db.session.flush()
    return unit


def history(db, questionnaire, unit, satisfied: int, total: int, year: int) -> None:
    """``total`` phone responses spread over the year's first 300 days before today,
    ``satisfied`` of them all 5s and the others all 3s."""
    codes = questionnaire.item_codes()
    start = dt.datetime(year, 1, 2, 2, 0, tzinfo=UTC)
    days = max(1, min(300, (utcnow() - start).days - 1))
    store_responses(db.session, [NewResponse(
        id=uuid.uuid4(), unit=unit, questionnaire=questionnaire, channel=Channel.qr,
        locale="vi", answers={code: 5 if i < satisfied else 3 for code in codes},
        submitted_at=start + dt.timedelta(days=i % days, minutes=i))
        for i in range(total)])


def verdict(db, unit, year: int):
    table = index_table(db.session, IndexQuery(str(year), unit.code, Breakdown.UNIT))
    return table.total


def post_survey(client, path: str, answers: dict, address: str, service="ui_apply") -> int:
    page = client.get(path, environ_base={"REMOTE_ADDR": address})
    fields = hidden_fields(page.get_data(as_text=True))
    res = client.post(path, data={**({"service": service} if service else {}), **fields, **answers}, environ_base={"REMOTE_ADDR": address})
    return res.status_code


def test_the_attack_replayed_leaves_the_verdict_unchanged(client, db, questionnaire):
    year = local_date(utcnow()).year
    unit = counter(db, "NA-VINH-Q7")
    history(db, questionnaire, unit, satisfied=480, total=600, year=year)
    before = verdict(db, unit, year)
    assert before.verdict.value == "not_met" and before.estimate == pytest.approx(0.8)

    very_satisfied = {f"q_{code}": "5" for code in questionnaire.item_codes()}
    statuses = [post_survey(client, "/s/NA-VINH-Q7", very_satisfied, "203.0.113.9")
                for _ in range(300)]

    assert statuses == [303] * 300  # every post acknowledged and stored, none dropped
    posted = db.session.execute(sa.select(Response.status, Response.status_reason).where(
        Response.unit_id == unit.id, Response.received_at > utcnow() - dt.timedelta(hours=1),
        Response.submitted_at > utcnow() - dt.timedelta(hours=1))).all()
    assert len(posted) == 300
    flagged = [reason for status, reason in posted if status is ResponseStatus.flagged]
    assert len(flagged) >= 295 and set(flagged) == {RATE_CLIENT}
    after = verdict(db, unit, year)
    assert after.verdict == before.verdict
    assert after.estimate == pytest.approx(before.estimate, abs=0.002)

    # Control: counted as valid, the same posts would have bought the verdict.
    db.session.execute(sa.update(Response).where(Response.status_reason == RATE_CLIENT)
                       .values(status=ResponseStatus.valid))
    assert verdict(db, unit, year).verdict.value != "not_met"


def test_many_addresses_at_one_counter_hit_the_counter_limit(app, client, db, questionnaire):
    app.config.update(SUBMIT_UNIT_LIMIT=20)
    counter(db, "NA-VINH-Q8")
    answers = {f"q_{code}": "5" for code in questionnaire.item_codes()}
    for i in range(25):
        assert post_survey(client, "/s/NA-VINH-Q8", answers, f"198.51.100.{i}") == 303
    reasons = db.session.scalars(sa.select(Response.status_reason).join(Unit).where(
        Unit.code == "NA-VINH-Q8")).all()
    assert sorted(reasons, key=str) == [None] * 20 + [RATE_UNIT] * 5


def test_a_receipt_code_is_never_rate_flagged(app, client, db, questionnaire):
    from survey.services.intake import receipts

    app.config.update(SUBMIT_CLIENT_LIMIT=1)
    from survey.models import Service

    unit = db.session.scalar(sa.select(Unit).where(Unit.code == "NA-VINH-Q1"))
    service = db.session.scalar(sa.select(Service).where(Service.code == "ui_apply"))
    codes = receipts.issue_receipt_codes(db.session, unit, service, 3)
    answers = {f"q_{code}": "5" for code in questionnaire.item_codes()}
    for code in codes:
        assert post_survey(client, f"/r/{code.code}", answers, "203.0.113.5", None) == 303
    assert set(db.session.scalars(sa.select(Response.status))) == {ResponseStatus.valid}


def test_a_busy_real_counter_is_not_flagged(client, db, questionnaire):
    """40 claimants an hour, each from their own phone: the limiter lets them all in,
    and a day of it at that rate (320 responses, a third of them all 5s) is no burst."""
    unit = counter(db, "NA-VINH-Q6")
    rng = random.Random(17)
    codes = questionnaire.item_codes()

    def realistic() -> dict:
        if rng.random() < 1 / 3:
            return {code: 5 for code in codes}
        return {code: rng.choice((3, 4, 4, 5, 5)) for code in codes}

    for i in range(40):  # one hour's posts, through the form
        form = {f"q_{code}": str(value) for code, value in realistic().items()}
        assert post_survey(client, "/s/NA-VINH-Q6", form, f"10.{i // 250}.{i % 250}.7") == 303
    day = dt.datetime.combine(local_date(utcnow()) - dt.timedelta(days=1), dt.time(1),
                              tzinfo=UTC)  # 08:00 in Vietnam
    store_responses(db.session, [NewResponse(
        id=uuid.uuid4(), unit=unit, questionnaire=questionnaire, channel=Channel.qr,
        locale="vi", answers=realistic(),
        submitted_at=day + dt.timedelta(seconds=rng.uniform(0, 8 * 3600)))
        for _ in range(320)])
    month = parse_period(local_date(utcnow()).strftime("%Y-%m"))
    yesterday = parse_period((local_date(utcnow()) - dt.timedelta(days=1)).strftime("%Y-%m"))
    for period in {month.code: month, yesterday.code: yesterday}.values():
        found = scan(db.session, period)
        assert found.flagged == {BURST_RATE: 0, BURST_PATTERN: 0} and not found.hours
    assert set(db.session.scalars(sa.select(Response.status).where(
        Response.unit_id == unit.id))) == {ResponseStatus.valid}


def test_the_scan_flags_a_burst_from_many_addresses(db, questionnaire):
    """The same attack spread over many addresses gets past the limiter but not the scan:
    flagged for the rate, and identical answers flagged for their pattern."""
    unit = counter(db, "NA-VINH-Q5")
    codes = questionnaire.item_codes()
    now = utcnow().replace(microsecond=0)
    usual = [NewResponse(id=uuid.uuid4(), unit=unit, questionnaire=questionnaire,
                         channel=Channel.qr, locale="vi",
                         answers={code: 3 + (i + j) % 3 for j, code in enumerate(codes)},
                         submitted_at=now - dt.timedelta(days=1 + i // 4, minutes=17 * i))
             for i in range(80)]
    burst = [NewResponse(id=uuid.uuid4(), unit=unit, questionnaire=questionnaire,
                         channel=Channel.qr, locale="vi", answers={code: 5 for code in codes},
                         submitted_at=now - dt.timedelta(seconds=2 * i)) for i in range(60)]
    # A smaller run of identical answers an hour earlier: under the hourly limit.
    copies = [NewResponse(id=uuid.uuid4(), unit=unit, questionnaire=questionnaire,
                          channel=Channel.qr, locale="vi", answers={code: 5 for code in codes},
                          submitted_at=now - dt.timedelta(hours=2, seconds=30 * i))
              for i in range(12)]
    store_responses(db.session, usual + burst + copies)
    found = scan(db.session, parse_period(local_date(now).strftime("%Y-%m")))
    status = dict(db.session.execute(sa.select(Response.id, Response.status_reason)).all())
    assert {status[new.id] for new in burst} == {BURST_RATE}
    assert {status[new.id] for new in copies} == {BURST_PATTERN}
    assert found.flagged[BURST_RATE] == 60 and found.flagged[BURST_PATTERN] == 12
    assert all(status[new.id] is None for new in usual if new.submitted_at
               < now - dt.timedelta(days=1))
    # Scanning again flags nothing more, and never a restored response.
    db.session.execute(sa.update(Response).where(Response.id == burst[0].id).values(
        status=ResponseStatus.valid, status_reason=RESTORED))
    again = scan(db.session, parse_period(local_date(now).strftime("%Y-%m")))
    assert again.flagged == {BURST_RATE: 0, BURST_PATTERN: 0}


def test_flagged_responses_stay_out_of_the_index(db, questionnaire):
    year = local_date(utcnow()).year
    unit = counter(db, "NA-VINH-Q4")
    history(db, questionnaire, unit, satisfied=30, total=40, year=year)
    before = verdict(db, unit, year)
    db.session.execute(sa.update(Response).where(
        Response.unit_id == unit.id, Response.answers.any(value=3))
        .values(status=ResponseStatus.flagged, status_reason=BURST_RATE))
    after = verdict(db, unit, year)
    assert before.responses == 40 and after.responses == 30
    assert after.estimate == 1.0


def test_a_burst_across_a_clock_hour_is_not_split(db, questionnaire):
    """30 posts from 10:59 to 11:01: 15 in each clock hour, one burst in the window."""
    unit = counter(db, "NA-VINH-Q3X")
    codes = questionnaire.item_codes()
    start = (utcnow() - dt.timedelta(days=2)).replace(hour=3, minute=59, second=0,
                                                      microsecond=0)
    rng = random.Random(3)
    burst = [NewResponse(id=uuid.uuid4(), unit=unit, questionnaire=questionnaire,
                         channel=Channel.qr, locale="vi",
                         answers={code: rng.choice((4, 5)) for code in codes},
                         submitted_at=start + dt.timedelta(seconds=4 * i)) for i in range(30)]
    store_responses(db.session, burst)
    assert len({new.submitted_at.hour for new in burst}) == 2
    found = scan(db.session, parse_period(local_date(start).strftime("%Y-%m")))
    assert found.flagged[BURST_RATE] == 30 and len(found.hours) == 1
    assert found.hours[0].count == 30 and found.hours[0].limit <= 30
