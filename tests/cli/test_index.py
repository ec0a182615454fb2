"""``flask survey index``: the printed table (the text writer over the report table)."""
from __future__ import annotations

import re

from survey.cli.output import row_cells
from survey.services.reporting.index import IndexQuery, index_table
from survey.services.reporting.served import import_served_csv
from survey.services.reporting.tables import index_report
from tests.index.conftest import seeded, tree  # noqa: F401  (fixtures)

LONG_NAME = "Trung tâm Dịch vụ việc làm tỉnh Nghệ An – Chi nhánh Quỳnh Lưu 2"


def index_output(runner, *extra: str) -> str:
    result = runner.invoke(args=["survey", "index", "--period", "2026-Q3", "--unit", "NA",
                                 *extra])
    assert result.exit_code == 0, result.output
    return result.output


def test_table_in_vietnamese(runner, db, seeded):  # noqa: F811
    out = index_output(runner)
    assert "Chỉ số hài lòng (% hài lòng hoặc rất hài lòng)" in out
    assert "mục tiêu 90 %" in out and "Tỷ lệ phản hồi" in out
    report = index_report(index_table(db.session, IndexQuery("2026-Q3", "NA", "unit")))
    for row in report.rows + [report.total]:
        cells = dict(zip((c.key for c in report.shown), row_cells(row, report.shown, "vi")))
        assert re.fullmatch(r"\d{1,3},\d %", cells["estimate"]), cells["estimate"]
        assert re.fullmatch(r"\d{1,3},\d–\d{1,3},\d", cells["interval"]), cells["interval"]
        line = next(line for line in out.splitlines() if line.startswith(row["key"] + " "))
        assert cells["estimate"] in line and cells["interval"] in line


def test_numbers_follow_the_output_language(runner, db, seeded):  # noqa: F811
    import_served_csv(db.session, b"period,unit,count\n2026-Q3,NA-VINH,1234\n"
                                  b"2026-Q3,NA-DC,2000\n")
    db.session.commit()
    vi = {line.split()[0]: line for line in index_output(runner).splitlines() if line.strip()}
    en = {line.split()[0]: line for line in index_output(runner, "--lang", "en").splitlines()
          if line.strip()}
    assert " 3.234 " in vi["total"] and " 1.234 " in vi["NA-VINH"]
    assert " 3,234 " in en["total"] and " 1,234 " in en["NA-VINH"]
    # 100 responses of 1,234 served: 8.1 % / 8,1 %.
    assert vi["NA-VINH"].endswith(" 8,1 %") and en["NA-VINH"].endswith(" 8.1 %")
    assert re.search(r" \d{1,3},\d % ", vi["total"]) and not re.search(r"\d\.\d %", vi["total"])
    assert re.search(r" \d{1,3}\.\d % ", en["total"]) and not re.search(r"\d,\d %", en["total"])


def test_long_unit_names_are_printed_whole(runner, db, seeded, make_unit):  # noqa: F811
    from survey.services import catalogue

    assert len(LONG_NAME) >= 60
    make_unit("NA-QL2", parent=catalogue.unit_by_code(db.session, "NA"), kind="centre",
              name=LONG_NAME)
    db.session.commit()
    out = index_output(runner)
    line = next(line for line in out.splitlines() if line.startswith("NA-QL2 "))
    # No responses: the name in full, no figure, no interval, no method, no verdict.
    assert LONG_NAME in line and "…" not in out
    assert line.split(LONG_NAME)[1].split()[:3] == ["0", "—", "—"]
    assert "chưa đủ mẫu" in line


def test_method_in_words_and_one_unweighted_note(runner, db, seeded):  # noqa: F811
    vi = index_output(runner)
    assert "Logit (theo thiết kế mẫu)*" in vi
    en = index_output(runner, "--lang", "en", "--by", "channel")
    assert "Logit (design-based)*" in en
    assert "logit" not in en and "clopper_pearson" not in en
    assert en.count("Unweighted") == 1  # one footnote, not a note and a footnote
    notes = [line for line in en.splitlines() if line.startswith("* ")]
    assert notes == ["* Unweighted: no unit in the row has a served count for this period, "
                     "so every response counts equally."]


def test_weighted_table_has_no_unweighted_note(runner, db, seeded):  # noqa: F811
    import_served_csv(db.session, b"period,unit,count\n2026-Q3,NA-VINH,300\n2026-Q3,NA-DC,50\n")
    db.session.commit()
    out = index_output(runner, "--lang", "en")
    assert "*" not in out and "Unweighted" not in out and "Weighted by" in out


def test_rows_below_the_minimum_show_figures_but_no_verdict(runner, seeded):  # noqa: F811
    out = index_output(runner, "--lang", "en", "--min-n", "25")
    lines = {line.split()[0]: line for line in out.splitlines() if line.strip()}
    assert "sample too small" in lines["NA-DC"]  # 20 responses
    assert re.search(r" 20 +\d{1,3}\.\d % +\d", lines["NA-DC"])
    assert "sample too small" not in lines["total"]


def test_table_in_english_by_service(runner, seeded):  # noqa: F811
    out = index_output(runner, "--by", "service", "--target", "0.7", "--lang", "en")
    assert "target 70 %" in out and "Response rate" in out
    assert "Applying for unemployment allowance" in out


def test_errors_exit_nonzero(runner, tree):  # noqa: F811
    bad = runner.invoke(args=["survey", "index", "--period", "2026-Q9", "--unit", "NA"])
    assert bad.exit_code == 1 and "Kỳ '2026-Q9' không hợp lệ" in bad.stderr
    assert "Traceback" not in bad.output
    unknown = runner.invoke(args=["survey", "index", "--period", "2026", "--unit", "ZZ",
                                  "--lang", "en"])
    assert unknown.exit_code == 1 and "Unknown unit code 'ZZ'" in unknown.stderr
    by = runner.invoke(args=["survey", "index", "--period", "2026", "--unit", "NA",
                             "--by", "counter"])
    assert by.exit_code == 2


def test_json_is_the_api_body_and_csv_has_every_column(app, client, runner, db,
                                                      seeded):  # noqa: F811
    import csv
    import io
    import json

    from survey.services.devices import tokens

    _row, token = tokens.create_api_token(db.session, "json")
    db.session.commit()
    printed = json.loads(index_output(runner, "--lang", "en", "--format", "json"))
    body = client.get("/api/v1/index?period=2026-Q3&unit=NA&lang=en",
                      headers={"Authorization": f"Bearer {token}"}).json
    assert printed == body
    assert printed["design"] == "clustered" and printed["fdr"] is True
    assert printed["total"]["deff"] > 0 and printed["total"]["df"] > 0
    rows = list(csv.DictReader(io.StringIO(index_output(runner, "--format", "csv"))))
    assert [r["key"] for r in rows] == ["total"] + [r["key"] for r in body["rows"]]
    total = rows[0]
    assert float(total["estimate"]) == body["total"]["estimate"]  # full precision
    assert float(total["interval_low"]) == body["total"]["low"]
    assert total["method"] == "logit" and total["verdict"] == body["total"]["verdict"]
    assert float(total["deff"]) == body["total"]["deff"]


def test_the_fpc_setting_reaches_the_cli(app, runner, db, seeded):  # noqa: F811
    import json

    import_served_csv(db.session, b"period,unit,count\n2026-Q3,NA-VINH,300\n2026-Q3,NA-DC,50\n")
    db.session.commit()
    app.config["INDEX_FPC"] = True
    out = json.loads(index_output(runner, "--format", "json", "--no-fdr"))
    assert out["design"] == "element_fpc" and out["total"]["deff"] is None
    assert out["total"]["df"] == 120 - 2 and out["fdr"] is False
