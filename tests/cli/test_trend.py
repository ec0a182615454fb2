"""``flask survey trend``: the series as text (vi, en), CSV and JSON (= the API's)."""
from __future__ import annotations

import csv
import io
import json
import re

import pytest

from survey.services.devices import tokens
from survey.services.reporting.trend import TrendQuery, trend_table
from tests.index.trend_data import series  # noqa: F401  (fixture)

QUARTERS = ["2024-Q4", "2025-Q1", "2025-Q2", "2025-Q3", "2025-Q4", "2026-Q1", "2026-Q2",
            "2026-Q3"]


def trend_output(runner, *extra: str) -> str:
    result = runner.invoke(args=["survey", "trend", "--unit", "NA", "--to", "2026-Q3",
                                 *extra])
    assert result.exit_code == 0, result.output
    return result.output


def period_lines(out: str) -> dict[str, str]:
    return {line.split()[0]: line for line in out.splitlines()
            if re.match(r"\d{4}-Q\d ", line)}


def test_text_in_vietnamese(runner, db, series):  # noqa: F811
    out = trend_output(runner)
    table = trend_table(db.session, TrendQuery("NA", "2026-Q3"))
    assert out.startswith("Xu hướng chỉ số hài lòng: Tỉnh Nghệ An (NA), 8 quý")
    assert "Cỡ mẫu hiệu dụng" in out and "Giới hạn kiểm soát" in out
    assert "Chỉ số tăng qua 8 quý: kiểm định xu hướng Cochran–Armitage" in out
    lines = period_lines(out)
    assert list(lines) == QUARTERS
    for point in table.points:
        line = lines[point.period.code]
        if point.n_eff:
            percent = f"{100 * point.estimate:.1f}".replace(".", ",") + " %"
            assert percent in line and f" {point.n_eff} " in line
        else:
            assert line.split()[1:3] == [str(point.n), "—"]
    flagged = [code for code, line in lines.items() if line.rstrip().endswith("✓")]
    assert flagged == [p.period.code for p in table.points if p.out_of_control]
    chi = f"{table.trend.chi_square:.2f}".replace(".", ",")
    assert chi in out and "p(1−p)/SE²" in out


def test_text_in_english(runner, db, series):  # noqa: F811
    out = trend_output(runner, "--lang", "en")
    table = trend_table(db.session, TrendQuery("NA", "2026-Q3"))
    assert out.startswith("Satisfaction index trend: Nghe An province (NA), 8 quarters from "
                          "2024-Q4 to 2026-Q3")
    assert "Effective sample size" in out and "Control limits (3 sigma)" in out
    assert f"chi-square {table.trend.chi_square:.2f}" in out
    assert "The index rose over the 8 quarters" in out
    q1 = next(p for p in table.points if p.period.code == "2026-Q1")
    line = period_lines(out)["2026-Q1"]
    assert f"{100 * q1.estimate:.1f} %" in line
    assert f"{100 * q1.lower:.1f}–{100 * q1.upper:.1f}" in line


def test_csv_has_every_column(runner, db, series):  # noqa: F811
    out = trend_output(runner, "--format", "csv", "--periods", "6")
    rows = list(csv.DictReader(io.StringIO(out)))
    table = trend_table(db.session, TrendQuery("NA", "2026-Q3", periods=6))
    assert [row["period"] for row in rows] == QUARTERS[2:]
    for row, point in zip(rows, table.points):
        assert int(row["n"]) == point.n and int(row["n_eff"]) == point.n_eff
        assert int(row["x_eff"]) == point.x_eff
        assert row["out_of_control"] == ("1" if point.out_of_control else "0")
        if point.n_eff:
            assert float(row["estimate"]) == point.estimate
            assert float(row["limits_low"]) == point.lower
            assert float(row["limits_high"]) == point.upper
        else:
            assert row["estimate"] == row["limits_low"] == ""


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_json_is_what_the_api_returns(runner, client, db, series, lang):  # noqa: F811
    from flask_babel import refresh

    _row, token = tokens.create_api_token(db.session, "cli")
    db.session.commit()
    out = trend_output(runner, "--format", "json", "--every", "month", "--lang", lang)
    refresh()
    api = client.get(f"/api/v1/trend?unit=NA&to=2026-Q3&every=month&lang={lang}",
                     headers={"Authorization": f"Bearer {token}"})
    assert api.status_code == 200
    assert json.loads(out) == api.json
    assert len(api.json["points"]) == 12 and api.json["points"][-1]["period"] == "2026-09"


def test_errors_exit_nonzero(runner, demo):
    bad = runner.invoke(args=["survey", "trend", "--unit", "NA", "--to", "2026-Q3",
                              "--periods", "0", "--lang", "en"])
    assert bad.exit_code == 1 and "from 1 to 40" in bad.stderr
    assert "Traceback" not in bad.output
    unknown = runner.invoke(args=["survey", "trend", "--unit", "ZZ", "--to", "2026",
                                  "--lang", "en"])
    assert unknown.exit_code == 1 and "Unknown unit code 'ZZ'" in unknown.stderr
    mismatch = runner.invoke(args=["survey", "trend", "--unit", "NA", "--to", "2026-08",
                                   "--every", "quarter", "--lang", "en"])
    assert mismatch.exit_code == 1 and "2026-08" in mismatch.stderr
    kind = runner.invoke(args=["survey", "trend", "--unit", "NA", "--to", "2026",
                               "--every", "week"])
    assert kind.exit_code == 2
