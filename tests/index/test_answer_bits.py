"""Responses carry their answers folded into one integer (``answer_bits``), so that the
index reads the responses alone; a response stored without them is read from its
answers, and both ways give the same sums to the last bit."""
from __future__ import annotations

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


def stored_bits(session) -> dict[uuid.UUID, int | None]:
    return dict(session.execute(sa.select(Response.id, Response.answer_bits)).all())


def forget_bits(session, share: float = 1.0) -> None:
    """Set the bits of (a share of) the responses to NULL, as if stored before them."""
    ids = sorted(stored_bits(session))
    chosen = ids[:round(len(ids) * share)]
    session.execute(sa.update(Response).where(Response.id.in_(chosen))
                    .values(answer_bits=None))
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
