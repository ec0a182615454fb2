"""Coverage counts: CSV validation line by line (all or nothing), upsert, audit, CLI."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from survey.models import AuditEvent, CoverageCount
from survey.services import audit
from survey.services.coverage import import_coverage_csv
from survey.services.errors import ServiceError

from .conftest import HEADER, csv, line


def stored(db):
    return sorted((r.month, r.unit.code, r.counselled, r.source)
                  for r in db.session.scalars(sa.select(CoverageCount)))


def events(db):
    return list(db.session.scalars(sa.select(AuditEvent).filter_by(action="coverage.changed")
                                   .order_by(AuditEvent.id)))


def test_import_inserts_then_replaces_and_audits_each_change(db, demo):
    data = csv(line("2026-08", "NA-VINH"), line("2026-08", "na-demo1"))
    summary = import_coverage_csv(db.session, data, audit.CLI)
    assert (summary.inserted, summary.updated, summary.unchanged) == (2, 0, 0)
    assert stored(db) == [("2026-08", "NA-DEMO1", 90, "csv"), ("2026-08", "NA-VINH", 90, "csv")]
    first = events(db)
    assert [e.object_id for e in first] == ["NA-VINH/2026-08", "NA-DEMO1/2026-08"]
    assert first[0].detail["before"] is None and first[0].detail["after"]["counselled"] == 90
    again = import_coverage_csv(db.session, csv(line("2026-08", "NA-VINH", counselled=85),
                                                line("2026-08", "NA-DEMO1")), audit.CLI)
    assert (again.inserted, again.updated, again.unchanged) == (0, 1, 1)
    assert stored(db)[1] == ("2026-08", "NA-VINH", 85, "csv")
    change = events(db)[2:]
    assert len(change) == 1  # the unchanged month leaves no event
    assert change[0].detail["before"]["counselled"] == 90
    assert change[0].detail["after"]["counselled"] == 85
    assert change[0].actor_label == "cli" and change[0].detail["via"] == "csv"
    imports = db.session.scalars(sa.select(AuditEvent).filter_by(action="coverage.imported")
                                 .order_by(AuditEvent.id)).all()
    assert [e.detail for e in imports] == [{"inserted": 2, "updated": 0, "unchanged": 0},
                                           {"inserted": 0, "updated": 1, "unchanged": 1}]


@pytest.mark.parametrize("bad, fragment", [
    (line("2026-08", "NA-DEMO2", placed=-3), "-3"),
    (line("2026-08", "NA-DEMO2", placed="2.5"), "2.5"),
    (line("2026-08", "NA-DEMO2", counselled=91), "counselled (91) is more than asked for "
                                                 "counselling (90)"),
    (line("2026-08", "NA-DEMO2", referred=41), "referred to a job (41) is more than asked "
                                               "for a job referral (40)"),
    (line("2026-08", "NA-DEMO2", placed=33), "placed through a referral (33) is more than "
                                             "referred to a job (32)"),
    (line("2026-08", "NA-DEMO2", training_supported=101), "supported to train (101) is more "
                                                          "than allowance applicants (100)"),
    (line("2026-08", "NOPE"), "unknown unit code 'NOPE'"),
    (line("2026-08", "NA-VINH-Q1"), "not a centre or a branch"),
    (line("2026-08", "NA"), "not a centre or a branch"),
    (line("2026-Q3", "NA-DEMO2"), "month must be a month"),
    (line("2026-13", "NA-DEMO2"), "month must be a month"),
    (line("2026-08", "na-vinh"), "repeats line 2"),  # the same unit and month as line 2
])
def test_each_bad_line_is_named_and_nothing_is_stored(db, demo, english, bad, fragment):
    data = csv(line("2026-08", "NA-VINH"), bad)
    with pytest.raises(ServiceError) as error:
        import_coverage_csv(db.session, data, audit.CLI)
    db.session.rollback()
    assert stored(db) == [] and events(db) == []
    assert list(error.value.errors) == ["3"]
    assert fragment in " ".join(str(m) for m in error.value.errors["3"])


def test_messages_are_vietnamese_first(db, demo):
    with pytest.raises(ServiceError) as error:
        import_coverage_csv(db.session, csv(line("2026-08", "NOPE", placed=-1)), audit.CLI)
    text = " ".join(str(m) for m in error.value.errors["2"])
    assert "không có đơn vị mã" in text and "phải là số nguyên" in text
    assert "Tệp" in str(error.value.message)


@pytest.mark.parametrize("data", [b"", (HEADER.replace(",placed", "") + "\n").encode(),
                                  HEADER.encode() + b"\n",
                                  (HEADER + "\n" + line("2026-08", "NA-VINH")).encode("utf-16")])
def test_bad_files_are_refused(db, demo, data):
    with pytest.raises(ServiceError) as error:
        import_coverage_csv(db.session, data, audit.CLI)
    assert error.value.errors
    assert stored(db) == []


def test_cli_import_and_its_errors(runner, db, demo, tmp_path):
    good = tmp_path / "good.csv"
    good.write_bytes(csv(line("2026-09", "NA-VINH")))
    result = runner.invoke(args=["survey", "coverage", "import", str(good), "--lang", "en"])
    assert result.exit_code == 0, result.output
    assert "1 new, 0 changed, 0 unchanged" in result.output
    bad = tmp_path / "bad.csv"
    bad.write_bytes(csv(line("2026-09", "NA-VINH", counselled=5), line("2026-09", "NOPE")))
    result = runner.invoke(args=["survey", "coverage", "import", str(bad)])
    assert result.exit_code == 1
    assert "Dòng 3" in result.output and "NOPE" in result.output
    assert [r[2] for r in stored(db)] == [90]  # the good line of the bad file was not stored
