"""Fact indicators (questionnaire v2): shares of yes/no and trips answers with their
design-based intervals, apart from the satisfaction index."""
from __future__ import annotations

import datetime as dt
import random
import uuid

import numpy as np
import pytest

from survey.analysis import ClusterSums, StratumSums, clustered_composite
from survey.models import Channel
from survey.services.intake.responses import NewResponse, submit_response
from survey.services.intake.sampling import asked_items
from survey.services.reporting.index import IndexQuery, index_table
from survey.timeutil import local_date
from tests.index.conftest import IN_Q3


def test_fact_rows_are_shares_of_the_indicator_values(db, tree, questionnaire_v2,
                                                       monkeypatch):
    rnd = random.Random(4)
    stored = []  # (unit code, day, answers)
    for i in range(90):
        unit = tree[rnd.choice(["NA-VINH-Q1", "NA-VINH-Q2", "NA-DC"])]
        sid = str(uuid.UUID(int=rnd.getrandbits(128)))
        answers = {item.code: rnd.choice([None, 3, 4, 5]) for item in
                   asked_items(questionnaire_v2, sid) if item.kind == "rating"}
        answers["overall"] = 4
        answers["fact_documents"] = rnd.choice([1, 2, 2, 2, None])
        answers["fact_money"] = rnd.choice([1, 2, 2, 2, 2, 2])
        if i % 7:
            answers["fact_trips"] = rnd.choice([1, 1, 2, 3, 4])
        moment = IN_Q3 + dt.timedelta(hours=rnd.randint(0, 400))
        submit_response(db.session, NewResponse(
            id=uuid.UUID(sid), unit=unit, questionnaire=questionnaire_v2,
            channel=Channel.qr, locale="vi", answers=answers, submitted_at=moment))
        stored.append((unit.code, local_date(moment), answers))
    db.session.commit()
    table = index_table(db.session, IndexQuery("2026-Q3", "NA", "fact", locale="en"))
    rows = {r.key: r for r in table.rows}
    assert list(rows) == ["fact_documents", "fact_money", "fact_trips"]
    assert rows["fact_money"].label == "Share asked for money or a gift"
    positive = {"fact_documents": {1}, "fact_money": {1}, "fact_trips": {2, 3, 4}}
    codes = list(positive)
    sat = np.array([[float(a.get(c) in positive[c]) for c in codes] for _u, _d, a in stored])
    ans = np.array([[float(a.get(c) is not None) for c in codes] for _u, _d, a in stored])
    units = [u for u, _d, _a in stored]
    clusters = ClusterSums.from_answers(sat, ans, units, [(u, d) for u, d, _a in stored],
                                        codes)
    elements = {u: StratumSums.from_indicators(sat[[i for i, x in enumerate(units) if x == u]],
                                               ans[[i for i, x in enumerate(units) if x == u]])
                for u in dict.fromkeys(units)}
    expected = clustered_composite(clusters, {c: [c] for c in codes}, elements=elements)
    for code in codes:
        row, want = rows[code], expected.items[code]
        assert row.n == int(ans[:, codes.index(code)].sum())
        assert row.estimate == pytest.approx(want.estimate, abs=1e-12)
        assert row.se == pytest.approx(want.se, rel=1e-9)
        assert (row.low, row.high) == pytest.approx((want.low, want.high), abs=1e-12)
        assert row.verdict == "no_target" and not row.adjusted
    # The facts never enter the satisfaction index or the item table.
    items = index_table(db.session, IndexQuery("2026-Q3", "NA", "item"))
    assert not {r.key for r in items.rows} & set(codes)
    assert table.total.key == "total" and 0 < table.total.estimate <= 1
    # Without the total (the coverage panel reads only the rows): the same rows, one pass.
    from survey.services.reporting import aggregates

    passes = []
    original = aggregates.pattern_pass
    monkeypatch.setattr(aggregates, "pattern_pass",
                        lambda *a, **kw: passes.append(a[1]) or original(*a, **kw))
    bare = index_table(db.session, IndexQuery("2026-Q3", "NA", "fact", locale="en",
                                              total=False))
    assert len(passes) == 1 and set(passes[0].keys) == set(codes)
    assert bare.rows == table.rows
    assert bare.total.n == 0 and np.isnan(bare.total.estimate)
