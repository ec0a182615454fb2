"""``flask survey report``: the file, its name, its version, refused input."""
from __future__ import annotations

import hashlib
import io
import os

import openpyxl

from tests.index.conftest import seeded, tree  # noqa: F401  (fixtures)


def test_the_report_file_and_its_default_name(runner, db, seeded, tmp_path):  # noqa: F811
    here = os.getcwd()
    os.chdir(tmp_path)
    try:
        result = runner.invoke(args=["survey", "report", "--period", "2026-Q3", "--unit", "NA",
                                     "--format", "xlsx"])
    finally:
        os.chdir(here)
    assert result.exit_code == 0, result.output
    written = tmp_path / "BHTN_HaiLong_NA_2026-Q3_v1.xlsx"
    assert written.exists()
    assert hashlib.sha256(written.read_bytes()).hexdigest() in result.output
    assert "phiên bản 1 (bản nháp)" in result.output
    book = openpyxl.load_workbook(io.BytesIO(written.read_bytes()))
    assert book.sheetnames[:3] == ["ThongTin", "TongHop", "YeuTo"]


def test_twice_gives_the_same_bytes(runner, db, seeded, tmp_path):  # noqa: F811
    outs = []
    for name in ("a.zip", "b.zip"):
        result = runner.invoke(args=["survey", "report", "--period", "2026-Q3", "--unit", "NA",
                                     "--format", "csv", "--out", str(tmp_path / name)])
        assert result.exit_code == 0, result.output
        outs.append((tmp_path / name).read_bytes())
    assert outs[0] == outs[1]


def test_refused_input_says_why(runner, db, seeded, tmp_path):  # noqa: F811
    month = runner.invoke(args=["survey", "report", "--period", "2026-09", "--unit", "NA",
                                "--out", str(tmp_path / "x.xlsx")])
    assert month.exit_code == 1 and "không lập theo tháng" in month.output
    unknown = runner.invoke(args=["survey", "report", "--period", "2026-Q3", "--unit", "ZZ",
                                  "--out", str(tmp_path / "x.xlsx")])
    assert unknown.exit_code == 1 and "ZZ" in unknown.output
    assert not (tmp_path / "x.xlsx").exists()


def test_seed_demo_and_demo_responses_fill_the_reports(runner, db):
    import sqlalchemy as sa

    from survey.models import ReportStatus, ReportVersion

    assert runner.invoke(args=["survey", "seed-demo"]).exit_code == 0
    versions = db.session.scalars(sa.select(ReportVersion)).all()
    assert len(versions) == 3 and {v.status for v in versions} == {ReportStatus.draft}
    result = runner.invoke(args=["survey", "demo-responses", "--count", "200"])
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    versions = db.session.scalars(sa.select(ReportVersion)).all()
    assert len(versions) == 3 and all(v.change_log for v in versions)
