"""Synthetic demo responses land only at demo counters, through the normal service."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from survey.models import Answer, Response, Unit
from survey.services.catalogue.demo import add_demo_responses
from survey.services.errors import ServiceError


def test_demo_responses_only_at_demo_counters(db, demo, count_rows):
    assert add_demo_responses(db.session, 120) == 120
    db.session.commit()
    codes = set(db.session.scalars(sa.select(Unit.code).join(Response, Response.unit_id == Unit.id)))
    assert codes and all(code.startswith("NA-DEMO") and "-Q" in code for code in codes)
    assert count_rows(Response) == 120
    values = [v for v in db.session.scalars(sa.select(Answer.value)) if v is not None]
    share = sum(v >= 4 for v in values) / len(values)
    assert 0.75 < share < 0.95  # near the targets, so verdicts are worth looking at


def test_demo_responses_need_demo_units_and_a_sane_count(db, demo, runner):
    with pytest.raises(ServiceError):
        add_demo_responses(db.session, 0)
    result = runner.invoke(args=["survey", "demo-responses", "--count", "30"])
    assert result.exit_code == 0 and "30" in result.output


def test_demo_responses_refused_without_demo_data(db):
    with pytest.raises(ServiceError):
        add_demo_responses(db.session, 10)
