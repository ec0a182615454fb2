"""Served counts: CSV import (service and CLI), all or nothing, upsert."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from survey.models import ServedCount
from survey.services.errors import ServiceError
from survey.services.reporting.served import import_served_csv

GOOD = "period,unit,service,count\n2026-Q3,NA-VINH,,300\n2026-q3,na-dc,ui_apply,40\n"


def counts(db):
    rows = db.session.execute(sa.select(ServedCount.period, ServedCount.unit_id,
                                        ServedCount.service_id, ServedCount.count))
    return sorted(rows, key=lambda r: (r[0], r[1], r[2] or 0))


def test_import_with_bom_and_upsert(db, tree):
    summary = import_served_csv(db.session, ("\ufeff" + GOOD).encode("utf-8"))
    db.session.commit()
    assert (summary.inserted, summary.updated) == (2, 0)
    stored = counts(db)
    assert [(r.period, r.count) for r in stored] == [("2026-Q3", 300), ("2026-Q3", 40)]
    assert stored[0].service_id is None and stored[1].service_id is not None
    again = import_served_csv(db.session, b"period;unit;service;count\n2026-Q3;NA-VINH;;310\n")
    db.session.commit()
    assert (again.inserted, again.updated) == (0, 1)
    assert [r.count for r in counts(db)] == [310, 40]


def test_service_column_may_be_absent(db, tree):
    import_served_csv(db.session, b"unit,period,count\nNA-DC,2026-09,12\n")
    assert [(r.period, r.service_id, r.count) for r in counts(db)] == [("2026-09", None, 12)]


@pytest.mark.parametrize("data,fragment,line", [
    (b"period,unit,service,count\n2026-Q7,NA,,1\n", "2026-Q7", "3"),
    (b"period,unit,service,count\n2026-Q3,NOPE,,1\n", "NOPE", "3"),
    (b"period,unit,service,count\n2026-Q3,NA,nope,1\n", "nope", "3"),
    (b"period,unit,service,count\n2026-Q3,NA,,-4\n", "-4", "3"),
    (b"period,unit,service,count\n2026-Q3,NA,,1.5\n", "1.5", "3"),
    (b"period,unit,service,count\n2026-Q3,NA,,1\n2026-q3,na,,2\n", "line 3", "4"),
])
def test_bad_rows_import_nothing(db, tree, english, data, fragment, line):
    good = b"2026-Q3,NA-VINH,,300\n"
    head, _sep, rest = data.partition(b"\n")
    with pytest.raises(ServiceError) as error:
        import_served_csv(db.session, head + b"\n" + good + rest)
    db.session.rollback()
    assert counts(db) == []
    text = " ".join(str(m) for ms in error.value.errors.values() for m in ms)
    assert fragment in text
    assert list(error.value.errors) == [line]  # the line number in the file


@pytest.mark.parametrize("data", [b"", b"unit,count\nNA,1\n", b"period,unit,count\n",
                                  "period,unit,count\n2026,NA,1\n".encode("utf-16")])
def test_bad_files(db, tree, data):
    with pytest.raises(ServiceError):
        import_served_csv(db.session, data)


def test_cli_import_in_vietnamese_and_english(runner, db, tree, tmp_path):
    path = tmp_path / "served.csv"
    path.write_text(GOOD, encoding="utf-8-sig")
    result = runner.invoke(args=["survey", "served", "import", str(path)])
    assert result.exit_code == 0, result.output
    assert "2" in result.output and "mới" in result.output
    bad = tmp_path / "bad.csv"
    bad.write_text("period,unit,service,count\n2026-Q3,NA,,1\n2026-Q3,XX,,x\n", "utf-8")
    vi = runner.invoke(args=["survey", "served", "import", str(bad)])
    assert vi.exit_code == 1
    assert "Dòng 3" in vi.output and "XX" in vi.output
    en = runner.invoke(args=["survey", "served", "import", str(bad), "--lang", "en"])
    assert "Line 3" in en.output and "nothing was imported" in en.output
    assert len(counts(db)) == 2


@pytest.mark.parametrize("data, fragment", [
    ("period,unit,count\n2026,NA,1\n".encode("cp1258") + "Đ".encode("cp1258"), "UTF-8"),
    (b"period\tunit\tcount\n2026\tNA\t1\t9\n", "more cells"),
])
def test_served_import_shares_the_unit_importers_checks(db, tree, english, data, fragment):
    """Before one reader served both, this importer missed tabs and extra cells."""
    with pytest.raises(ServiceError) as error:
        import_served_csv(db.session, data)
    text = " ".join(str(m) for ms in error.value.errors.values() for m in ms)
    assert fragment in text and counts(db) == []


def test_served_import_reads_tab_separated_files(db, tree):
    import_served_csv(db.session, b"period\tunit\tcount\n2026-09\tNA-DC\t7\n")
    assert [(r.period, r.count) for r in counts(db)] == [("2026-09", 7)]


def test_a_custom_range_of_whole_months_is_served_their_sum(db, tree):
    """A range tiled by months and quarters sums their counts (a quarter made of its
    months when not imported); a range that cuts a month has no served count."""
    from survey.services.reporting.periods import parse_period
    from survey.services.reporting.served import imported_counts

    import_served_csv(db.session, b"period;unit;count\n2026-Q2;NA-VINH;300\n2026-07;NA-VINH;40\n"
                                  b"2026-08;NA-VINH;50\n2026-09;NA-VINH;60\n2026-06;NA-DC;5\n")
    whole = imported_counts(db.session, parse_period("2026-04-01..2026-09-30", ranges=True))
    cut = imported_counts(db.session, parse_period("2026-04-01..2026-09-29", ranges=True))
    two = imported_counts(db.session, parse_period("2026-07-01..2026-08-31", ranges=True))
    assert sorted(whole.values()) == [300 + 40 + 50 + 60]  # NA-DC lacks April and May
    assert cut == {}
    assert sorted(two.values()) == [90]
