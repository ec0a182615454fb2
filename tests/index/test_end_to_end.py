"""End to end: responses stored through the service layer, served counts imported with
the CLI; the CLI table, the JSON API and composite_index agree on the same data."""
from __future__ import annotations

import pytest

from survey.services.devices import tokens
from survey.services.reporting.tables import Kind, format_value
from tests.index.conftest import reference

SERVED = "period,unit,service,count\n2026-Q3,NA-VINH-Q1,,100\n2026-Q3,NA-VINH,,300\n" \
         "2026-07,NA-DC,,20\n2026-08,NA-DC,,15\n2026-09,NA-DC,,15\n"
STRATA = {"NA-VINH-Q1": "NA-VINH-Q1", "NA-VINH-Q2": "NA-VINH", "NA-DEMO1-Q1": "NA-VINH",
          "NA-DC": "NA-DC"}
POPULATION = {"NA-VINH-Q1": 100, "NA-VINH": 200, "NA-DC": 50}


def percent(share: float) -> str:
    """A share as the English CLI prints it, "84.3 %"."""
    return format_value(share, Kind.PERCENT, "en")


def interval(low: float, high: float) -> str:
    return format_value((low, high), Kind.INTERVAL, "en")


def test_cli_api_and_composite_index_agree(runner, client, db, seeded, questionnaire,
                                           tmp_path):
    path = tmp_path / "served.csv"
    path.write_text(SERVED, encoding="utf-8-sig")
    imported = runner.invoke(args=["survey", "served", "import", str(path), "--lang", "en"])
    assert imported.exit_code == 0 and "5 new" in imported.output

    expected = {
        "total": reference(seeded, questionnaire, STRATA.get, POPULATION),
        "NA-VINH": reference(seeded, questionnaire, STRATA.get,
                             {k: v for k, v in POPULATION.items() if k != "NA-DC"},
                             keep=lambda i: seeded.units[i] != "NA-DC"),
        "NA-DC": reference(seeded, questionnaire, STRATA.get, {"NA-DC": 50},
                           keep=lambda i: seeded.units[i] == "NA-DC"),
    }
    assert all(result.weighted for result in expected.values())

    _row, token = tokens.create_api_token(db.session, "e2e")
    db.session.commit()
    body = client.get("/api/v1/index?period=2026-Q3&unit=NA&by=unit&target=0.85",
                      headers={"Authorization": f"Bearer {token}"}).json
    rows = {row["key"]: row for row in body["rows"]} | {"total": body["total"]}
    for key, want in expected.items():
        got = rows[key]
        for name in ("estimate", "se", "low", "high"):
            assert got[name] == pytest.approx(getattr(want, name), abs=1e-9), (key, name)
        assert (got["n"], got["df"], got["weighted"]) == (want.n, want.df, True)
    assert rows["total"]["served"] == 350 and rows["NA-DC"]["served"] == 50
    assert rows["NA-DC"]["response_rate"] == pytest.approx(20 / 50)

    printed = runner.invoke(args=["survey", "index", "--period", "2026-Q3", "--unit", "NA",
                                  "--target", "0.85", "--lang", "en"])
    assert printed.exit_code == 0, printed.output
    lines = {line.split()[0]: line for line in printed.output.splitlines() if line.strip()}
    for key, want in expected.items():
        line = lines["total" if key == "total" else key]
        assert f" {percent(want.estimate)} " in line
        assert f" {interval(want.low, want.high)} " in line
        assert f" {want.n} " in line
    assert "40.0 %" in lines["NA-DC"] and "350" in lines["total"]
