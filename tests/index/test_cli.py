"""flask survey index: the printed table."""
from __future__ import annotations

from survey.index_cli import format_row
from survey.services.reporting.index import index_table


def test_table_in_vietnamese(runner, db, seeded, english):
    result = runner.invoke(args=["survey", "index", "--period", "2026-Q3", "--unit", "NA"])
    assert result.exit_code == 0, result.output
    out = result.output
    assert "Chỉ số hài lòng (% hài lòng hoặc rất hài lòng)" in out
    assert "mục tiêu 90 %" in out and "Tỷ lệ phản hồi" in out
    table = index_table(db.session, "2026-Q3", "NA", "unit")
    for row in table.rows + [table.total]:
        cells = format_row(row)
        assert cells[3] in out and cells[4] in out


def test_table_in_english_by_service(runner, seeded, english):
    result = runner.invoke(args=["survey", "index", "--period", "2026-Q3", "--unit", "NA",
                                 "--by", "service", "--target", "0.7", "--lang", "en"])
    assert result.exit_code == 0, result.output
    assert "target 70 %" in result.output and "Response rate" in result.output
    assert "Applying for unemployment allowance"[:34] in result.output


def test_errors_exit_nonzero(runner, tree):
    bad = runner.invoke(args=["survey", "index", "--period", "2026-Q9", "--unit", "NA"])
    assert bad.exit_code == 1 and "Kỳ '2026-Q9' không hợp lệ" in bad.output
    unknown = runner.invoke(args=["survey", "index", "--period", "2026", "--unit", "ZZ",
                                  "--lang", "en"])
    assert unknown.exit_code == 1 and "Unknown unit code 'ZZ'" in unknown.output
    by = runner.invoke(args=["survey", "index", "--period", "2026", "--unit", "NA",
                             "--by", "counter"])
    assert by.exit_code == 2
