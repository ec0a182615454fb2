"""Synthetic demo responses land only at demo counters, through the normal service, with
served counts consistent with them."""
from __future__ import annotations

import datetime as dt
from collections import Counter

import pytest
import sqlalchemy as sa

from survey.models import Answer, Response, ServedCount, Unit
from survey.services.catalogue.demo import add_demo_responses, import_demo_served
from survey.services.errors import ServiceError
from survey.timeutil import local_date


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


def test_demo_responses_follow_a_matrix_sampled_questionnaire(db, questionnaire_v2):
    """Version 2 asks one rated item per dimension, and facts answered yes/no or 1–4."""
    assert add_demo_responses(db.session, 150) == 150
    db.session.commit()
    dimensions = questionnaire_v2.dimension_map()
    kinds = {item.code: item for item in questionnaire_v2.items}
    for response in db.session.scalars(sa.select(Response)):
        assert response.questionnaire_id == questionnaire_v2.id
        given = {a.item_code: a.value for a in response.answers}
        assert given["overall"] in range(1, 6)
        for codes in dimensions.values():
            assert len(set(codes) & set(given)) <= 1
        for code, value in given.items():
            assert value is None or value in kinds[code].values, (code, value)
    facts = [a.value for a in db.session.scalars(sa.select(Answer)) if a.item_code == "fact_money"]
    assert facts and facts.count(2) > facts.count(1)  # "no" is the common answer


def test_demo_served_counts_give_response_rates_of_a_quarter_to_a_half(db, demo):
    add_demo_responses(db.session, 400, now=dt.datetime(2026, 11, 20, 3, tzinfo=dt.timezone.utc))
    assert import_demo_served(db.session) > 0
    db.session.commit()
    answered = Counter()
    for unit, moment in db.session.execute(
            sa.select(Unit.code, Response.submitted_at).join(Response.unit)):
        day = local_date(moment)
        for period in (f"{day:%Y-%m}", f"{day.year}-Q{(day.month - 1) // 3 + 1}", str(day.year)):
            answered[(period, unit)] += 1
    served = {(row.period, row.unit.code): row.count
              for row in db.session.scalars(sa.select(ServedCount))}
    # Every month, quarter and year with responses, at every demo counter, and nothing else.
    assert set(served) == set(answered)
    assert {period for period, _unit in served} >= {"2026-06", "2026-11", "2026-Q2", "2026"}
    assert all(row.service_id is None for row in db.session.scalars(sa.select(ServedCount)))
    for key, n in answered.items():
        assert n <= served[key], key
        if n >= 20:
            assert 0.22 <= n / served[key] <= 0.47, (key, n, served[key])
    # Run again after more responses: the counts follow them, replacing the old ones.
    add_demo_responses(db.session, 50, now=dt.datetime(2026, 11, 20, 3, tzinfo=dt.timezone.utc))
    import_demo_served(db.session)
    totals = {(row.period, row.unit.code): row.count
              for row in db.session.scalars(sa.select(ServedCount)) if row.period == "2026"}
    assert sum(totals.values()) > sum(c for (p, _u), c in served.items() if p == "2026")
