"""Database constraints hold on every backend, whatever the application does."""
from __future__ import annotations

import uuid

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from survey.models import (Answer, Comment, Contact, ImmutableQuestionnaireError, Response,
                           ServedCount, Service, Unit, UnitKind, utcnow)


def insert_response(db, questionnaire, unit, **overrides):
    values = dict(id=uuid.uuid4(), unit_id=unit.id, channel="qr",
                  questionnaire_id=questionnaire.id, locale="vi", submitted_at=utcnow(),
                  received_at=utcnow(), status="valid", partial=False)
    values.update(overrides)
    db.session.execute(sa.insert(Response), [values])
    return values["id"]


def expect_integrity_error(db, statement, rows):
    with pytest.raises(IntegrityError):
        with db.session.begin_nested():
            db.session.execute(statement, rows)


@pytest.fixture
def unit(demo, db):
    return db.session.scalar(sa.select(Unit).filter_by(code="NA-VINH-Q1"))


@pytest.mark.parametrize("value", [0, 6, -1, 99])
def test_answer_value_must_be_1_to_5(db, questionnaire, unit, value):
    rid = insert_response(db, questionnaire, unit)
    expect_integrity_error(db, sa.insert(Answer),
                           [{"response_id": rid, "item_code": "overall", "value": value}])


@pytest.mark.parametrize("value", [None, 1, 5])
def test_answer_accepts_1_to_5_and_not_applicable(db, questionnaire, unit, value):
    rid = insert_response(db, questionnaire, unit)
    db.session.execute(sa.insert(Answer), [{"response_id": rid, "item_code": "x", "value": value}])
    assert db.session.scalar(sa.select(Answer.value).filter_by(response_id=rid)) == value


def test_response_uuid_and_answer_per_item_are_unique(db, questionnaire, unit):
    rid = insert_response(db, questionnaire, unit)
    with pytest.raises(IntegrityError):
        with db.session.begin_nested():
            insert_response(db, questionnaire, unit, id=rid)
    db.session.execute(sa.insert(Answer), [{"response_id": rid, "item_code": "overall", "value": 4}])
    expect_integrity_error(db, sa.insert(Answer),
                           [{"response_id": rid, "item_code": "overall", "value": 5}])


def test_response_locale_and_channel_are_checked(db, questionnaire, unit):
    with pytest.raises((IntegrityError, LookupError, sa.exc.StatementError)):
        with db.session.begin_nested():
            insert_response(db, questionnaire, unit, locale="fr")


def test_comment_length_and_contact_reachability(db, questionnaire, unit):
    rid = insert_response(db, questionnaire, unit)
    expect_integrity_error(db, sa.insert(Comment), [{"response_id": rid, "body": "x" * 2001}])
    expect_integrity_error(db, sa.insert(Contact), [
        {"response_id": rid, "name": "A", "phone": "", "email": "", "purpose": "reply",
         "consented_at": utcnow()}])


def test_unit_codes_are_unique_and_upper_case(db, demo):
    expect_integrity_error(db, sa.insert(Unit), [
        {"code": "NA-VINH", "kind": "centre", "name_vi": "x", "name_en": "x", "active": True,
         "created_at": utcnow()}])
    expect_integrity_error(db, sa.insert(Unit), [
        {"code": "na-lower", "kind": "centre", "name_vi": "x", "name_en": "x", "active": True,
         "created_at": utcnow()}])


def test_served_count_is_not_negative(db, unit):
    expect_integrity_error(db, sa.insert(ServedCount), [
        {"period": "2026-09", "unit_id": unit.id, "count": -1, "imported_at": utcnow()}])


def test_foreign_keys_are_enforced_on_every_backend(db, unit):
    # SQLite ignores foreign keys unless each connection turns them on.
    expect_integrity_error(db, sa.insert(Answer), [
        {"response_id": uuid.uuid4(), "item_code": "overall", "value": 5}])
    expect_integrity_error(db, sa.insert(ServedCount), [
        {"period": "2026-09", "unit_id": 999_999, "count": 1, "imported_at": utcnow()}])


def test_one_served_count_per_period_unit_and_service(db, demo, unit):
    service = db.session.scalars(sa.select(Service).order_by(Service.id)).first()
    for service_id in (None, service.id):  # None = all services, which needs its own index
        row = {"period": "2026-09", "unit_id": unit.id, "service_id": service_id, "count": 10,
               "imported_at": utcnow()}
        db.session.execute(sa.insert(ServedCount), [row])
        db.session.commit()
        expect_integrity_error(db, sa.insert(ServedCount), [{**row, "count": 11}])
    # Another period or unit is a row of its own.
    db.session.execute(sa.insert(ServedCount), [
        {"period": "2026-10", "unit_id": unit.id, "service_id": None, "count": 3,
         "imported_at": utcnow()}])
    db.session.commit()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ServedCount)) == 3


def test_published_questionnaire_is_immutable(db, questionnaire):
    questionnaire.items[1].text_vi = "Đã sửa"
    with pytest.raises(ImmutableQuestionnaireError):
        db.session.flush()
    db.session.rollback()
    questionnaire.definition = {"changed": True}
    with pytest.raises(ImmutableQuestionnaireError):
        db.session.flush()
    db.session.rollback()


def test_published_questionnaire_may_be_retired(db, questionnaire):
    from survey.models import QuestionnaireStatus

    questionnaire.status = QuestionnaireStatus.retired
    db.session.flush()
    assert questionnaire.status is QuestionnaireStatus.retired


def test_unit_tree(db, demo):
    vinh = db.session.scalar(sa.select(Unit).filter_by(code="NA-VINH"))
    assert vinh.kind is UnitKind.centre and vinh.parent.code == "NA"
    assert {c.code for c in vinh.children} >= {"NA-VINH-Q1", "NA-VINH-Q2", "NA-VINH-Q3"}
