"""The SQL side: per-stratum sums equal those computed from the raw answers."""
from __future__ import annotations

import copy
import datetime as dt
import random
import uuid

import numpy as np
import pytest

from survey.analysis import ClusterSums, StratumSums, clustered_composite, sums_from_answers
from survey.analysis.composite import answer_matrices
from survey.models import Channel
from survey.services.reporting import aggregates
from survey.services.reporting.index import IndexQuery, index_table
from survey.services.reporting.periods import parse_period
from survey.services.intake.responses import NewResponse, submit_response
from tests.index.conftest import IN_Q3
from tests.index.test_answer_bits import forget_bits


def test_pattern_sums_equal_sums_from_answers(db, seeded, questionnaire, tree):
    where = aggregates.period_filter(parse_period("2026-Q3"), None)
    keys = aggregates.item_keys(db.session, [questionnaire.id], composite=False)
    sums, _days = aggregates.pattern_sums(db.session, keys, where, "unit")
    counts = aggregates.response_counts(db.session, where, "unit")
    answers = {k: [a.get(k) for a in seeded.answers] for k in keys.keys}
    expected = sums_from_answers(answers, strata=seeded.units)
    assert expected.items == keys.keys
    for code, stratum in expected.strata.items():
        unit_id = tree[code].id
        got = sums[(unit_id,)].stratum(counts[(unit_id,)])
        assert got.n == stratum.n
        for name in ("y", "r", "yy", "yr", "rr"):
            np.testing.assert_array_equal(getattr(got, name), getattr(stratum, name))


def test_more_than_one_mask_column(db, seeded, questionnaire, monkeypatch):
    expected = index_table(db.session, IndexQuery("2026-Q3", "NA", "item"))
    forget_bits(db.session)  # read from the answers, whose masks this splits
    monkeypatch.setattr(aggregates, "BITS", 4)  # 13 items → four mask columns
    monkeypatch.setattr(aggregates, "CHUNK", 7)  # and many small fetches
    table = index_table(db.session, IndexQuery("2026-Q3", "NA", "item"))
    assert [(r.key, r.estimate, r.low) for r in table.rows] == [
        (r.key, r.estimate, r.low) for r in expected.rows]
    assert table.total.se == pytest.approx(expected.total.se, rel=1e-12)


def test_by_item_reads_the_answers_once_with_the_same_total(db, seeded, monkeypatch):
    by_unit = index_table(db.session, IndexQuery("2026-Q3", "NA", "unit"))
    passes = []
    original = aggregates.pattern_pass
    monkeypatch.setattr(aggregates, "pattern_pass",
                        lambda *a, **kw: passes.append(a[1]) or original(*a, **kw))
    by_item = index_table(db.session, IndexQuery("2026-Q3", "NA", "item"))
    assert len(passes) == 1 and "overall" in passes[0].keys  # the items' keys
    for name in ("estimate", "se", "low", "high", "df", "deff"):
        assert getattr(by_item.total, name) == pytest.approx(getattr(by_unit.total, name),
                                                             rel=1e-12), name


def test_mixed_versions_use_each_versions_dimension_map(db, tree, questionnaire):
    """v2 moves access_1 to the staff dimension and adds result_3."""
    from survey.services import catalogue

    definition = copy.deepcopy(questionnaire.definition)
    definition["version"] = 2
    for item in definition["items"]:
        if item["code"] == "access_1":
            item["dimension"] = "staff"
    definition["items"].append({"code": "result_3", "dimension": "result",
                                "vi": "Kết quả đúng hẹn", "en": "Result on time"})
    v2 = catalogue.load_questionnaire(db.session, definition)
    rnd = random.Random(3)
    rows = []  # (version, answers)
    days = []
    for i, version in enumerate([questionnaire] * 40 + [v2] * 50):
        answers = {c: rnd.choice([None, 2, 3, 4, 5, 5]) for c in version.item_codes()}
        answers["overall"] = 4
        submit_response(db.session, NewResponse(
            id=uuid.uuid4(), unit=tree["NA-DC"], questionnaire=version, channel=Channel.web,
            locale="vi", answers=answers, submitted_at=IN_Q3 + dt.timedelta(days=i % 9)))
        rows.append((version, answers))
        days.append(i % 9)
    db.session.commit()

    keys: dict[str, list] = {}
    dims: dict[str, list[str]] = {}
    for version, answers in rows:
        for item in version.items:
            if item.dimension:
                key = f"{item.dimension}:{item.code}"
                keys.setdefault(key, [None] * len(rows))
                dims.setdefault(item.dimension, [])
                if key not in dims[item.dimension]:
                    dims[item.dimension].append(key)
    for i, (version, answers) in enumerate(rows):
        for item in version.items:
            if item.dimension:
                keys[f"{item.dimension}:{item.code}"][i] = answers.get(item.code)
    satisfied, answered = answer_matrices(keys, list(keys))
    expected = clustered_composite(
        ClusterSums.from_answers(satisfied, answered, [0] * len(rows), days, list(keys)), dims,
        elements={0: StratumSums.from_indicators(satisfied, answered)}, min_answers=5)
    table = index_table(db.session, IndexQuery("2026-Q3", "NA-DC", "dimension"))
    assert table.total.estimate == pytest.approx(expected.estimate, abs=1e-12)
    assert table.total.se == pytest.approx(expected.se, abs=1e-12)
    for row in table.rows:
        assert row.estimate == pytest.approx(expected.dimensions[row.key].estimate, abs=1e-12)
    by_item = index_table(db.session, IndexQuery("2026-Q3", "NA-DC", "item"))
    # access_1 is in two dimensions here, so the composite is fetched apart: same total.
    assert by_item.total.estimate == pytest.approx(expected.estimate, abs=1e-12)
    assert by_item.total.se == pytest.approx(expected.se, abs=1e-12)
    items = {r.key: r for r in by_item.rows}
    assert items["result_3"].n == sum(1 for v, a in rows if a.get("result_3") is not None)
    assert items["access_1"].n == sum(1 for v, a in rows if a.get("access_1") is not None)
