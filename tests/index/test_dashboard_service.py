"""survey.services.reporting.dashboard on hand-made rows: verdicts against both
milestones, secondary suppression that ignores empty rows, sorting that keeps hidden
rows last, and the change between periods with its interval."""
from __future__ import annotations

import math

from survey.services.reporting.dashboard import (Judged, UnitLine, change_between,
                                                 judged_tree, milestones, sorted_units)
from survey.services.reporting.index import (Breakdown, IndexRow, IndexTable, Method,
                                             VerdictCode)
from survey.services.reporting.periods import parse_period
from survey.services.reporting.reliability import assess_row


def row(key: str, estimate: float, se: float, n: int, df: int = 100) -> IndexRow:
    if n == 0:
        return IndexRow(key, key, 0, math.nan, math.nan, math.nan, math.nan, None,
                        Method.LOGIT, False, VerdictCode.INSUFFICIENT, 0, None)
    half = 1.96 * se
    return IndexRow(key, key, n, estimate, se, estimate - half, estimate + half, df,
                    Method.LOGIT, False, VerdictCode.MET, n, None)


def table(total: IndexRow, rows: list[IndexRow], period: str = "2026-Q3") -> IndexTable:
    return IndexTable(parse_period(period), "NA", "NA", Breakdown.UNIT, 0.9, 0.95, 10,
                      total, rows, [])


def test_86_percent_in_2026_misses_90_but_clears_85():
    found = milestones(table(row("t", 0.875, 0.008, 1500), []))
    assert [(m.target, m.verdict, m.in_force) for m in found] == [
        (0.85, VerdictCode.MET, False), (0.9, VerdictCode.NOT_MET, True)]
    assert milestones(table(row("t", 0.875, 0.008, 1500), [], "2025-Q4"))[0].in_force
    assert all(m.verdict is None
               for m in milestones(table(row("t", 0.875, 0.008, 1500), []), shown=False))


def test_an_empty_sibling_does_not_hide_a_shown_one():
    total = row("t", 0.88, 0.01, 900)
    _t, rows = judged_tree(table(total, [row("A", 0.88, 0.012, 800), row("B", 0, 0, 0)]))
    assert [r.shown for r in rows] == [True, False]
    assert rows[1].assessment.reasons[0].value == "no_data"


def test_one_small_sibling_hides_the_smallest_other_one_too():
    total = row("t", 0.88, 0.01, 1000)
    _t, rows = judged_tree(table(total, [row("A", 0.9, 0.012, 600), row("B", 0.85, 0.02, 380),
                                         row("C", 0.8, 0.15, 20)]))
    assert [r.shown for r in rows] == [True, False, False]
    assert rows[1].assessment.reasons[-1].value == "complement"


def test_hidden_rows_stay_last_whichever_way_the_table_is_sorted():
    def line(key, estimate, n):
        r = row(key, estimate, 0.01 if n > 100 else 0.2, n)
        return UnitLine(Judged(r, assess_row(r), 10), None, None)
    lines = [line("low", 0.7, 500), line("hidden", 0.99, 5), line("high", 0.9, 500)]
    for descending in (False, True):
        keys = [u.now.row.key for u in sorted_units(lines, "index", descending)]
        assert keys[-1] == "hidden"
    assert [u.now.row.key for u in sorted_units(lines, "index", True)][:2] == ["high", "low"]


def test_the_change_adds_the_variances():
    now, before = row("a", 0.9, 0.03, 500), row("a", 0.86, 0.04, 500)
    change = change_between(Judged(now, assess_row(now), 10),
                            Judged(before, assess_row(before), 10), 0.95)
    assert math.isclose(change.value, 0.04)
    assert math.isclose(change.high - change.value, 1.959964 * 0.05, rel_tol=1e-5)
    assert not change.significant
