"""Responses carry their answers folded into one integer (``answer_bits``), so that the
index reads the responses alone; a response stored without them is read from its
answers, and both ways give the same sums to the last bit."""
from __future__ import annotations

import datetime as dt
import importlib.util
import uuid
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
import sqlalchemy as sa

from survey.models import Channel, Response
from survey.services.intake.responses import NewResponse, answer_bits, submit_response
from survey.services.reporting import aggregates
from survey.services.reporting.index import IndexQuery, index_table
from survey.services.reporting.periods import parse_period
from tests.index.conftest import IN_Q3

MIGRATION = next(Path(__file__).parents[2].glob("migrations/versions/*_answer_bits_*.py"))


def migration_fill() -> sa.TextClause:
    spec = importlib.util.spec_from_file_location("answer_bits_migration", MIGRATION)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.FILL


def stored_bits(session, column: str = "answer_bits") -> dict[uuid.UUID, int | None]:
    """Response id → its stored ``answer_bits`` (or ``fact_values``)."""
    return dict(session.execute(sa.select(Response.id, getattr(Response, column))).all())


def forget_bits(session, share: float = 1.0, column: str = "answer_bits") -> None:
    """Set the bits (or ``column``) of (a share of) the responses to NULL, as if stored
    before them."""
    ids = sorted(stored_bits(session, column))
    chosen = ids[:round(len(ids) * share)]
    session.execute(sa.update(Response).where(Response.id.in_(chosen))
                    .values({column: None}))
    session.flush()


def test_bits_follow_the_items_positions():
    questionnaire = SimpleNamespace(definition={"items": [
        {"code": "a"}, {"code": "b"}, {"code": "c"}, {"code": "d"}]})
    bits = answer_bits(questionnaire, {"a": 5, "b": None, "c": 3, "d": 4})
    assert bits == 0b1101 | (0b1001 << 30)
    assert answer_bits(questionnaire, {}) == 0
    many = SimpleNamespace(definition={"items": [{"code": f"i{i}"} for i in range(31)]})
    assert answer_bits(many, {"i0": 5}) is None  # the index reads its answers instead


def test_the_intake_stores_the_bits_the_migration_computes(db, seeded):
    from_intake = stored_bits(db.session)
    assert len(from_intake) == 120 and None not in from_intake.values()
    assert len(set(from_intake.values())) > 60  # not one constant
    forget_bits(db.session)
    db.session.execute(migration_fill())
    assert stored_bits(db.session) == from_intake


def _sums(session, composite: bool, by: str):
    where = aggregates.period_filter(parse_period("2026-Q3"), None)
    keys = aggregates.item_keys(session, aggregates.answered_questionnaires(session, where),
                                composite)
    day = aggregates.day_expression(session, 7 * 3600)
    sums, days = aggregates.pattern_sums(session, keys, where, by, day)
    return ({group: (acc.yy.tolist(), acc.yr.tolist(), acc.rr.tolist())
             for group, acc in sums.items()},
            {group: {d: [v.tolist() for v in pair] for d, pair in per_day.items()}
             for group, per_day in days.items()})


@pytest.mark.parametrize("by", ["unit", "service", "channel"])
@pytest.mark.parametrize("composite", [True, False])
def test_stored_bits_and_answers_give_the_same_sums(db, seeded, composite, by):
    from_bits = _sums(db.session, composite, by)
    assert from_bits[0] and from_bits[1]
    # The same pass counts the responses per group and day, as their own query does.
    where = aggregates.period_filter(parse_period("2026-Q3"), None)
    keys = aggregates.item_keys(db.session, aggregates.answered_questionnaires(
        db.session, where), composite)
    day = aggregates.day_expression(db.session, 7 * 3600)
    found = aggregates.pattern_pass(db.session, keys, where, by, day)
    apart = aggregates.psu_blocks(db.session, len(keys.keys), where, by, day, found.days)
    assert found.responses == {group: dict(zip(block.days, block.n.astype(int).tolist()))
                               for group, block in apart.items()}
    assert sum(sum(per_day.values()) for per_day in found.responses.values()) == 120
    forget_bits(db.session, 0.4)  # some of each
    mixed = _sums(db.session, composite, by)
    forget_bits(db.session)
    from_answers = _sums(db.session, composite, by)
    assert from_bits == from_answers
    assert mixed == from_answers


def _statements(session, run) -> list[str]:
    seen: list[str] = []

    def record(_conn, _cursor, statement, *_args):
        seen.append(statement)

    engine = session.get_bind()
    sa.event.listen(engine, "before_cursor_execute", record)
    try:
        run()
    finally:
        sa.event.remove(engine, "before_cursor_execute", record)
    return seen


def test_the_index_reads_answers_only_of_responses_without_bits(db, seeded):
    def table():
        return index_table(db.session, IndexQuery("2026-Q3", "NA", "unit"))

    expected = table()
    statements = _statements(db.session, table)
    assert statements and not any("answers" in s for s in statements)
    # One pass over the period's responses gives the sums and the counts.
    grouped = [s for s in statements if "FROM responses" in s and "GROUP BY" in s]
    assert len(grouped) == 1 and "answer_bits" in grouped[0]
    forget_bits(db.session, 0.5)
    statements = _statements(db.session, table)
    joins = [s for s in statements if "JOIN answers" in s]
    assert len(joins) == 1 and "answer_bits IS NULL" in joins[0]
    mixed = table()
    assert [(r.key, r.n, r.estimate, r.low, r.high) for r in mixed.rows] == [
        (r.key, r.n, r.estimate, r.low, r.high) for r in expected.rows]


def test_a_response_of_a_later_version_maps_its_positions_to_the_same_keys(db, tree,
                                                                           questionnaire):
    """v2 puts the items in another order: the same answers give the same sums, whether
    read from their bits or from their answers."""
    import copy

    from survey.services import catalogue

    definition = copy.deepcopy(questionnaire.definition)
    definition["version"] = 2
    definition["items"].reverse()
    v2 = catalogue.load_questionnaire(db.session, definition)
    rnd = np.random.default_rng(5)
    for version in [questionnaire] * 15 + [v2] * 15:
        answers = {c: int(rnd.choice([0, 2, 3, 4, 5])) or None for c in version.item_codes()}
        answers["overall"] = 4  # required
        submit_response(db.session, NewResponse(
            id=uuid.uuid4(), unit=tree["NA-DC"], questionnaire=version, channel=Channel.web,
            locale="vi", answers=answers, submitted_at=IN_Q3))
    for composite in (True, False):
        from_bits = _sums(db.session, composite, "unit")
        forget_bits(db.session)
        assert _sums(db.session, composite, "unit") == from_bits
        db.session.execute(migration_fill())


def test_the_command_fills_the_bits_an_older_release_left_out(db, seeded, runner):
    from_intake = stored_bits(db.session)
    forget_bits(db.session, 0.25)
    result = runner.invoke(args=["survey", "fill-answer-bits"])
    assert result.exit_code == 0, result.output
    assert "Đã bổ sung dữ liệu tổng hợp câu trả lời cho 30 phiếu." in result.output
    assert stored_bits(db.session) == from_intake
    again = runner.invoke(args=["survey", "fill-answer-bits"])
    assert "cho 0 phiếu." in again.output


def test_the_migration_fills_as_the_app_does():
    from survey.services.intake.responses import FILL_ANSWER_BITS

    app_sql = " ".join(FILL_ANSWER_BITS.text.split())
    migration_sql = " ".join(migration_fill().text.split())
    assert app_sql == migration_sql.replace(
        "WHERE questionnaire_id IN", "WHERE answer_bits IS NULL AND questionnaire_id IN")


# --- Facts: Response.fact_values ------------------------------------------------------

def stored_facts(session) -> dict[uuid.UUID, int | None]:
    return stored_bits(session, "fact_values")


def forget_facts(session, share: float = 1.0) -> None:
    forget_bits(session, share, "fact_values")


def test_fact_values_follow_the_facts_order():
    from survey.services.intake.responses import fact_values

    questionnaire = SimpleNamespace(definition={"items": [
        {"code": "a"}, {"code": "f1", "kind": "yes_no"}, {"code": "b"},
        {"code": "f2", "kind": "trips"}, {"code": "f3", "kind": "need"},
        {"code": "f4", "kind": "need"}]})
    values = fact_values(questionnaire, {"a": 5, "f1": 1, "f2": 4, "f3": None})
    assert values == 1 | 4 << 3 | 7 << 6  # f4 not answered: 0
    assert fact_values(questionnaire, {"a": 5}) == 0
    many = SimpleNamespace(definition={"items": [{"code": f"f{i}", "kind": "yes_no"}
                                                 for i in range(22)]})
    assert fact_values(many, {"f0": 1}) is None  # read from the answers instead


@pytest.fixture
def with_facts(db, questionnaire_v3):
    """v3 responses with its facts (yes/no, trips) and coverage items in all their
    states: a value, "no need" / "not applicable" (None), not answered."""
    rnd = np.random.default_rng(11)
    counters = ("NA-VINH-Q1", "NA-VINH-Q2", "NA-DEMO1-Q1")
    for i in range(150):
        answers = {"overall": 4}
        for code, choices in (("fact_documents", [1, 2, 2, 0, -1]),
                              ("fact_money", [1, 2, 2, 2, -1]),
                              ("fact_trips", [1, 2, 3, 4, 0, -1]),
                              ("cov_counselling", [1, 1, 2, 0, -1])):
            value = int(rnd.choice(choices))
            if value >= 0:
                answers[code] = value or None
        submit_response(db.session, NewResponse(
            id=uuid.uuid4(), unit=catalogue_unit(db, counters[i % 3]),
            questionnaire=questionnaire_v3, channel=Channel.qr, locale="vi",
            answers=answers, service=catalogue_service(db, "ui_apply"),
            submitted_at=IN_Q3 + dt.timedelta(hours=int(rnd.integers(0, 400)))))
    db.session.commit()


def catalogue_unit(db, code):
    from survey.services import catalogue
    return catalogue.unit_by_code(db.session, code)


def catalogue_service(db, code):
    from survey.services import catalogue
    return catalogue.service_by_code(db.session, code)


def _plain(value):
    return "nan" if isinstance(value, float) and value != value else value


def _fact_rows(session, source: str):
    table = index_table(session, IndexQuery("2026-Q3", "NA", "fact", facts=source))
    return [tuple(_plain(v) for v in (r.key, r.n, r.responses, r.estimate, r.se, r.low,
                                      r.high)) for r in table.rows]


def _coverage_rows(session):
    from survey.services.coverage import coverage_report

    table = coverage_report(session, "2026-Q3", "NA")
    return [{key: _plain(value) for key, value in row.values.items()}
            for row in table.rows if row["source"].value == "survey"]


@pytest.mark.parametrize("source", ["indicator", "coverage"])
def test_facts_from_stored_values_equal_those_from_answers(db, with_facts, source):
    values = stored_facts(db.session)
    assert None not in values.values() and len(set(values.values())) > 20
    from_values = _fact_rows(db.session, source)
    counts = _coverage_rows(db.session)
    assert from_values and all(n > 0 for _k, n, *_rest in from_values
                               if _k != "cov_referral")  # asked of job seekers only
    assert counts[0]["denominator"] > 0 and counts[0]["no_need"] > 0
    forget_facts(db.session, 0.4)
    assert _fact_rows(db.session, source) == from_values
    assert _coverage_rows(db.session) == counts
    forget_facts(db.session)
    assert _fact_rows(db.session, source) == from_values
    assert _coverage_rows(db.session) == counts


def test_the_fact_values_are_read_without_the_answers(db, with_facts):
    statements = _statements(db.session, lambda: (_fact_rows(db.session, "coverage"),
                                                  _coverage_rows(db.session)))
    assert statements and not any("answers" in s for s in statements)


def test_the_migration_and_the_command_fill_the_fact_values(db, with_facts, runner):
    spec = importlib.util.spec_from_file_location("answer_bits_migration", MIGRATION)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    from_intake = stored_facts(db.session)
    forget_facts(db.session)
    module.fill_facts(db.session.connection())
    assert stored_facts(db.session) == from_intake
    forget_facts(db.session, 0.5)
    result = runner.invoke(args=["survey", "fill-answer-bits"])
    assert result.exit_code == 0, result.output
    assert "cho 75 phiếu." in result.output
    assert stored_facts(db.session) == from_intake
