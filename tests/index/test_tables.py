"""The report table: built once from the index table, the same for the CLI and the API."""
from __future__ import annotations

import math
import re

import pytest
from flask_babel import force_locale

from survey.services.devices import tokens
from survey.services.reporting.index import IndexQuery, Method, VerdictCode, index_table
from survey.services.reporting.tables import (Disclosure, Kind, disclosure, format_value,
                                              index_report)


@pytest.mark.parametrize("value,kind,vi,en", [
    (0.862, Kind.PERCENT, "86,2 %", "86.2 %"),
    (1.0, Kind.PERCENT, "100,0 %", "100.0 %"),
    (1234, Kind.COUNT, "1.234", "1,234"),
    (1234567, Kind.COUNT, "1.234.567", "1,234,567"),
    ((0.8012, 0.9034), Kind.INTERVAL, "80,1–90,3", "80.1–90.3"),
    (None, Kind.PERCENT, "—", "—"),
    (math.nan, Kind.NUMBER, "—", "—"),
])
def test_numbers_in_each_language(value, kind, vi, en):
    assert format_value(value, kind, "vi") == vi and format_value(value, kind, "en") == en


def test_codes_are_shown_in_words(app):
    with force_locale("vi"):
        assert format_value(Method.CLOPPER_PEARSON, Kind.CODE, "vi") == \
            "Clopper–Pearson (quy ước Korn–Graubard, n* = n)"
        assert format_value(VerdictCode.INSUFFICIENT, Kind.CODE, "vi") == "chưa đủ mẫu"
    with force_locale("en"):
        assert {str(m.label) for m in Method} == {
            "Logit (design-based)", "Clopper–Pearson (Korn–Graubard, n* = n)",
            "Census: no sampling error"}


@pytest.mark.parametrize("n,estimate,expected", [
    (0, math.nan, Disclosure.NO_DATA), (3, math.nan, Disclosure.NO_DATA),
    (1, 1.0, Disclosure.NO_VERDICT), (9, 0.8, Disclosure.NO_VERDICT),
    (10, 0.8, Disclosure.FULL), (500, 0.0, Disclosure.FULL),
])
def test_one_small_sample_rule(n, estimate, expected):
    assert disclosure(n, estimate, min_n=10) == expected


def test_cli_and_api_apply_the_same_rule(app, client, runner, db, seeded, make_unit):
    from survey.services import catalogue

    make_unit("NA-EMPTY", parent=catalogue.unit_by_code(db.session, "NA"), kind="centre")
    _row, token = tokens.create_api_token(db.session, "rule")
    db.session.commit()
    app.config["MIN_N"] = 25  # NA-DC has 20 responses
    body = client.get("/api/v1/index?period=2026-Q3&unit=NA&lang=en",
                      headers={"Authorization": f"Bearer {token}"}).json
    printed = runner.invoke(args=["survey", "index", "--period", "2026-Q3", "--unit", "NA",
                                  "--lang", "en"]).output
    lines = {line.split()[0]: line for line in printed.splitlines() if line.strip()}
    api = {row["key"]: row for row in body["rows"]} | {"total": body["total"]}
    report = index_report(index_table(db.session, IndexQuery("2026-Q3", "NA", min_n=25)))
    assert set(api) == {row["key"] for row in report.rows} | {"total"}

    empty, small, full = api["NA-EMPTY"], api["NA-DC"], api["NA-VINH"]
    # No data: no figure, no interval, no method, anywhere.
    assert (empty["n"], empty["estimate"], empty["low"], empty["high"], empty["method"]) == (
        0, None, None, None, None)
    assert re.search(r" 0 +— +— +— +— +sample too small +— +—$", lines["NA-EMPTY"])
    # Below min_n: the figure and its interval, but no verdict, anywhere.
    assert small["n"] == 20 and small["estimate"] is not None and small["low"] is not None
    assert small["verdict"] == "insufficient" and small["verdict_bound"] is None
    assert format_value(small["estimate"], Kind.PERCENT, "en") in lines["NA-DC"]
    for key in ("NA-EMPTY", "NA-DC"):
        assert api[key]["verdict_label"] == "sample too small" and "sample too small" in lines[key]
    assert full["verdict"] != "insufficient" and full["verdict_label"] in lines["NA-VINH"]
    # The verdict rule is a note for people; the API states it as fields.
    assert body["min_n"] == 25 and not any("Met” means" in note for note in body["notes"])
    assert "Fewer than 25 responses" in printed
