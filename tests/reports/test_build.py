"""The sheets as data: every figure from the report tables, nothing hidden recoverable."""
from __future__ import annotations

import math

import pytest

from survey.services.errors import NotFound, ServiceError
from survey.services.reporting.index import Breakdown, IndexQuery, configured, index_table
from survey.services.reporting.reliability import assess_row
from survey.services.reports.build import SHEETS, ReportQuery, build_report
from survey.services.reports.model import Report, changes


def close(a, b):
    return (a is None and b is None) or (a is not None and b is not None
                                         and math.isclose(a, b, abs_tol=1e-6))


def test_the_sheets_in_order_with_codes(report):
    assert [s.name for s in report.sheets] == list(SHEETS)
    for sheet in report.sheets:
        codes = [c.code for c in sheet.columns]
        assert len(codes) == len(set(codes)) and all(c.isascii() for c in codes)
        assert all(len(row) == len(codes) for row in sheet.rows), sheet.name
    summary = report.sheet("TongHop")
    assert summary.columns[7].label == "Chỉ số hài lòng"  # Vietnamese headers


def test_every_summary_figure_is_the_report_tables(app, db, report):
    table = index_table(db.session, IndexQuery("2026-Q3", "NA", Breakdown.UNIT, depth=6,
                                               **configured(app.config)))
    records = report.sheet("TongHop").records()
    assert [r["unit_code"] for r in records] == ["NA"] + [
        "NA:own" if row.key == "NA" else row.key for row in table.rows]
    assert len({r["unit_code"] for r in records}) == len(records)
    for record, row in zip(records, [table.total] + table.rows):
        assert record["responses"] == row.responses and record["served"] == row.served
        if record["suppressed"]:
            assert record["index"] is None and record["ci_low"] is None
            assert record["verdict"] is None and record["change"] is None
        else:
            assert close(record["index"], row.estimate)
            assert close(record["ci_low"], row.low) and close(record["ci_high"], row.high)
            assert record["verdict"] == str(row.verdict.label)
        if not assess_row(row).shown:
            assert record["suppressed"] == "x"


def test_every_dimension_item_and_service_figure(app, db, report):
    options = configured(app.config)
    for sheet, by, column in (("YeuTo", Breakdown.DIMENSION, "dimension_code"),
                              ("TieuChi", Breakdown.ITEM, "item_code"),
                              ("DichVu", Breakdown.SERVICE, "service_code")):
        records = report.sheet(sheet).records()
        units = sorted({r["unit_code"] for r in records})
        assert "NA" in units and "NA-VINH" in units
        for unit in units:
            table = index_table(db.session, IndexQuery("2026-Q3", unit, by, **options))
            mine = [r for r in records if r["unit_code"] == unit]
            assert [r[column] for r in mine] == [row.key for row in table.rows]
            for record, row in zip(mine, table.rows):
                assert record["n"] == row.n
                if not record["suppressed"]:
                    assert close(record["pct"], row.estimate), (sheet, unit, row.key)
                    assert close(record["ci_low"], row.low)
                else:
                    assert record["pct"] is None and record["ci_high"] is None


def test_item_counts_are_the_answers(report, seeded):
    for record in report.sheet("TieuChi").records():
        if record["unit_code"] != "NA" or record["suppressed"]:
            continue
        values = [a.get(record["item_code"]) for a in seeded.answers]
        assert [record[f"n_{v}"] for v in range(1, 6)] == [values.count(v) for v in range(1, 6)]
        assert record["n"] == sum(record[f"n_{v}"] for v in range(1, 6))


def test_no_answer_level_data_nor_contacts(report):
    codes = {c.code for s in report.sheets for c in s.columns}
    assert not codes & {"comment", "phone", "email", "contact", "response_id", "text"}
    assert len(report.sheet("TongHop").rows) < 20  # one row per unit, not per response


def test_some_figures_are_hidden_at_this_size(report):
    """The seeded units have 20–45 responses: the NCHS rule must hide some figures, or
    the suppression tests below would prove nothing."""
    hidden = [r for s in report.sheets if "suppressed" in {c.code for c in s.columns}
              for r in s.records() if r["suppressed"]]
    reasons = " ".join(r["reliability"] for s in report.sheets if s.name == "YeuTo"
                       for r in s.records())
    assert len(hidden) > 10
    assert "ẩn để bảo vệ" in reasons or "ẩn cùng dòng cấp trên" in reasons


def _one_hidden(group):
    hidden = [r for r in group if r["pct"] is None and r["n"]]
    return len(hidden) == 1 and len(group) > 1


def test_no_hidden_dimension_can_be_recomputed_from_the_index(report):
    """The index is the mean of the five dimensions: with the index and four shown, the
    fifth is 5·index − the others. That must never be possible."""
    index = {r["unit_code"]: r["index"] for r in report.sheet("TongHop").records()}
    by_unit: dict[str, list[dict]] = {}
    for record in report.sheet("YeuTo").records():
        by_unit.setdefault(record["unit_code"], []).append(record)
    for unit, dims in by_unit.items():
        shown = [d for d in dims if d["pct"] is not None]
        hidden = [d for d in dims if d["pct"] is None and d["n"]]
        if index.get(unit) is not None and len(hidden) == 1:
            recomputed = len(dims) * index[unit] - sum(d["pct"] for d in shown)
            pytest.fail(f"{unit}: {hidden[0]['dimension_code']} = {recomputed:.3f} recoverable")


def test_no_hidden_figure_is_alone_under_a_shown_parent(report):
    """In every tree (a unit's dimensions, items, services; a dimension across units)
    a shown parent never has exactly one hidden child among shown siblings."""
    summary = report.sheet("TongHop").records()
    parent = {}
    stack = []
    for record in summary:
        if record["level"] == 0:
            stack = [record["unit_code"]]
            continue
        del stack[record["level"]:]
        parent[record["unit_code"]] = stack[-1]
        stack.append(record["unit_code"])
    shown_index = {r["unit_code"]: r["index"] is not None for r in summary}
    children_of: dict[str, list[dict]] = {}
    for record in summary[1:]:
        children_of.setdefault(parent[record["unit_code"]], []).append(
            {"pct": record["index"], "n": record["responses"]})
    for unit, kids in children_of.items():
        assert not (shown_index[unit] and _one_hidden(kids)), unit
    for sheet, code in (("YeuTo", "dimension_code"), ("DichVu", "service_code")):
        records = report.sheet(sheet).records()
        by_key = {(r["unit_code"], r[code]): r for r in records}
        for unit in {r["unit_code"] for r in records}:
            mine = [r for r in records if r["unit_code"] == unit]
            assert not (shown_index.get(unit) and _one_hidden(mine)), (sheet, unit)
        for key in {r[code] for r in records}:
            for unit, kids in children_of.items():
                cells = [by_key[(child, key)] for child in
                         [r["unit_code"] for r in summary[1:] if parent[r["unit_code"]] == unit]
                         if (child, key) in by_key]
                top = by_key.get((unit, key))
                if top is not None and top["pct"] is not None:
                    assert not _one_hidden(cells), (sheet, unit, key)
    channels = report.sheet("KenhThuThap").records()
    assert not (summary[0]["index"] is not None and _one_hidden(channels))


def test_a_change_is_only_given_between_shown_figures(report):
    for record in report.sheet("TongHop").records():
        assert record["change"] is None or record["index"] is not None


def test_round_trip_through_json_keeps_the_digest(report):
    again = Report.from_json(report.to_json())
    assert again == report and again.figures_sha256() == report.figures_sha256()
    assert changes(report, again) == []


def test_the_change_log_names_the_cells(report):
    changed = Report.from_json(report.to_json())
    changed.sheet("TongHop").rows[0][5] += 1
    log = changes(report, changed)
    assert log == [{"sheet": "TongHop", "row": "NA", "column": "responses",
                    "old": report.sheet("TongHop").rows[0][5],
                    "new": report.sheet("TongHop").rows[0][5] + 1}]


def test_bad_periods_and_units_are_refused(app, db, seeded):
    with pytest.raises(ServiceError) as month:
        build_report(db.session, ReportQuery("2026-09", "NA"))
    assert "không lập theo tháng" in str(month.value.message) or "month" in str(
        month.value.message)
    with pytest.raises(ServiceError):
        build_report(db.session, ReportQuery("2026-Q5", "NA"))
    with pytest.raises(NotFound):
        build_report(db.session, ReportQuery("2026-Q3", "XX"))


def test_the_annual_report_has_a_narrative(app, db, seeded):
    report = build_report(db.session, ReportQuery("2026", "NA", configured(app.config)))
    assert report.annual and len(report.narrative) == 5
    assert report.narrative[0].startswith("Chỉ số hài lòng năm 2026 của")
    assert "85" in report.narrative[0] and "90" in report.narrative[0]
    trend = report.sheet("XuHuong").records()
    assert [r["period"] for r in trend if r["series"] == "quarter"][-1] == "2026-Q4"
    assert [r["period"] for r in trend if r["series"] == "month"][-1] == "2026-12"


def test_the_coverage_sheet_is_the_coverage_report(app, db, seeded):
    """ChiTieu2269 carries the plan's coverage indicators of the reporting unit, as the
    coverage report (and the dashboard's panel) gives them."""
    import datetime as dt

    from survey.services.coverage import coverage_report
    from survey.services.coverage.demo import add_demo_coverage

    add_demo_coverage(db.session, now=dt.datetime(2026, 11, 15, tzinfo=dt.timezone.utc))
    db.session.flush()
    built = build_report(db.session, ReportQuery("2026-Q3", "NA", configured(app.config)))
    records = built.sheet("ChiTieu2269").records()
    table = coverage_report(db.session, "2026-Q3", "NA")
    assert table.meta["complete"] and len(records) == len(table.rows) == 6
    assert [r["indicator_code"] for r in records] == [row["key"] for row in table.rows]
    # The administrative rows; the survey ones (no survey answers here: no data) are
    # tests/coverage/test_survey_indicators.py's.
    admin = [(record, row) for record, row in zip(records, table.rows)
             if row["source"].value == "admin"]
    assert len(admin) == 4
    assert all(record["verdict"] == "no_data" for record in records
               if record["source"] == "survey")
    for record, row in admin:
        assert record["indicator_code"] == row["key"]
        assert (record["numerator"], record["denominator"]) == (row["numerator"],
                                                                row["denominator"])
        assert row["denominator"] > 0 and close(record["value"], float(row["share"]))
        assert record["verdict"] == row["verdict"].value != "incomplete"
        assert record["complete"] == "có"
