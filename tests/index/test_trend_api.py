"""GET /api/v1/trend: token, parameters, the series and its trend test as JSON."""
from __future__ import annotations

import math

import pytest

from survey.api import schemas
from survey.services.devices import tokens
from survey.services.reporting.served import import_served_csv
from survey.services.reporting.trend import TrendQuery, trend_table

from .trend_data import series  # noqa: F401  (fixture)


@pytest.fixture
def auth(db):
    _row, token = tokens.create_api_token(db.session, "test")
    db.session.commit()
    return {"Authorization": f"Bearer {token}"}


def same(got, want) -> bool:
    if isinstance(want, float) and not math.isfinite(want):
        return got is None
    return got == pytest.approx(want, rel=1e-12, abs=0)


def test_token_required(client, demo):
    assert client.get("/api/v1/trend?unit=NA&to=2026-Q3").status_code == 401
    bad = client.get("/api/v1/trend?unit=NA&to=2026-Q3",
                     headers={"Authorization": "Bearer nope"})
    assert bad.status_code == 401 and bad.json["code"] == "unauthorized"
    assert bad.mimetype == "application/problem+json"


def test_series_matches_the_service(client, db, series, auth):  # noqa: F811
    res = client.get("/api/v1/trend?unit=na&to=2026-q3&periods=8&every=quarter&lang=en",
                     headers=auth)
    assert res.status_code == 200 and res.mimetype == "application/json"
    body = res.json
    schemas.TrendReport.model_validate(body)
    assert (body["unit"], body["to"], body["every"], body["periods"], body["level"]) == (
        "NA", "2026-Q3", "quarter", 8, 0.95)
    table = trend_table(db.session, TrendQuery("NA", "2026-Q3"))
    assert [p["period"] for p in body["points"]] == [p.period.code for p in table.points]
    for got, point in zip(body["points"], table.points):
        assert (got["n"], got["n_eff"], got["x_eff"]) == (point.n, point.n_eff, point.x_eff)
        assert got["verdict"] == point.verdict.value
        assert got["out_of_control"] == point.out_of_control
        for name, want in (("estimate", point.estimate), ("low", point.low),
                           ("high", point.high)):
            assert same(got[name], want if point.n else math.nan), name
        if point.n_eff:
            assert (got["lower_limit"], got["upper_limit"]) == (point.lower, point.upper)
        else:
            assert got["lower_limit"] is None and got["upper_limit"] is None
    for name in ("chi_square", "p_value", "slope", "se", "wald_p", "odds_ratio"):
        assert same(body["trend"][name], getattr(table.trend, name)), name
    assert body["trend"]["direction"] == "rising" and body["trend"]["converged"] is True
    assert body["centre"] == pytest.approx(table.centre)
    assert body["notes"][0].startswith("The index rose over the 8 quarters")
    assert "NaN" not in res.get_data(as_text=True)


def test_defaults_follow_the_kind_of_period(client, db, series, auth):  # noqa: F811
    months = client.get("/api/v1/trend?unit=NA&to=2026-Q3&every=month", headers=auth).json
    assert months["periods"] == 12 and months["every"] == "month"
    assert [p["period"] for p in months["points"]][::5] == ["2025-10", "2026-03", "2026-08"]
    years = client.get("/api/v1/trend?unit=NA&to=2026&periods=", headers=auth).json
    assert [p["period"] for p in years["points"]] == ["2022", "2023", "2024", "2025", "2026"]
    assert [p["n"] for p in years["points"]] == [0, 0, 0, 144, 144]
    table = trend_table(db.session, TrendQuery("NA", "2026", 5))
    assert years["trend"]["direction"] == table.direction.value
    assert years["trend"]["chi_square"] == pytest.approx(table.trend.chi_square)
    one = client.get("/api/v1/trend?unit=NA&to=2025&periods=3", headers=auth).json
    assert one["trend"]["direction"] == "too_few_periods"
    assert one["trend"]["chi_square"] is None and one["centre"] is not None


def test_no_responses_at_all_is_a_series_of_nulls(client, demo, auth):
    body = client.get("/api/v1/trend?unit=NA-VINH&to=2026-Q3&periods=3", headers=auth).json
    schemas.TrendReport.model_validate(body)
    assert [p["n_eff"] for p in body["points"]] == [0, 0, 0]
    assert body["centre"] is None and body["trend"]["p_value"] is None
    assert all(p["estimate"] is None and p["method"] is None for p in body["points"])


@pytest.mark.parametrize("query,parameter,code,fragment", [
    ("unit=NA&to=2026-Q3&periods=0", "periods", "out_of_range", "1"),
    ("unit=NA&to=2026-Q3&periods=41", "periods", "out_of_range", "40"),
    ("unit=NA&to=2026-Q3&periods=abc", "periods", "wrong_type", "whole number"),
    ("unit=XX&to=2026-Q3", "unit", "unknown_unit", "XX"),
    ("unit=NA&to=2026-Q9", "to", "invalid_period", "2026-Q9"),
    ("unit=NA", "to", "required", "required"),
    ("unit=NA&to=2026-Q3&every=week", "every", "not_allowed", "quarter"),
    ("unit=NA&to=2026-08&every=quarter", "every", "invalid", "2026-08"),
])
def test_bad_parameters_are_422_with_a_message(client, demo, auth, query, parameter, code,
                                               fragment):
    res = client.get(f"/api/v1/trend?{query}&lang=en", headers=auth)
    assert res.status_code == 422 and res.mimetype == "application/problem+json"
    body = res.json
    assert body["code"] == "validation_failed"
    assert body["error_codes"] == {parameter: [code]}
    assert fragment in body["errors"][parameter][0] and fragment in body["detail"]


def test_a_series_before_2000_is_422(client, demo, auth):
    res = client.get("/api/v1/trend?unit=NA&to=2001&periods=3&lang=en", headers=auth)
    assert res.status_code == 422 and res.json["code"] == "validation_failed"
    assert "1999" in res.json["detail"]


def test_inconsistent_served_count_is_409(client, db, series, auth):  # noqa: F811
    import_served_csv(db.session, b"period,unit,count\n2026-Q3,NA-VINH-Q1,3\n")
    db.session.commit()
    res = client.get("/api/v1/trend?unit=NA&to=2026-Q3", headers=auth)
    assert res.status_code == 409 and res.json["code"] == "conflict"
    assert "NA-VINH-Q1" in res.json["detail"]


def test_the_operation_is_documented(client):
    doc = client.get("/api/v1/openapi.json?lang=en").get_json()
    op = doc["paths"]["/trend"]["get"]
    assert op["security"] == [{"apiToken": []}]
    assert [p["name"] for p in op["parameters"]] == ["unit", "to", "periods", "every", "lang"]
    assert set(op["responses"]) == {"200", "400", "401", "409", "422", "500", "503"}
    assert "TrendReport" in doc["components"]["schemas"]


def test_points_are_what_get_index_gives(app, client, series, auth):  # noqa: F811
    app.config.update(MIN_N=40)
    body = client.get("/api/v1/trend?unit=NA&to=2026-Q3&periods=4", headers=auth).json
    assert body["min_n"] == 40
    for point in body["points"]:
        total = client.get(f"/api/v1/index?unit=NA&period={point['period']}",
                           headers=auth).json["total"]
        for name in ("n", "estimate", "se", "low", "high", "method", "verdict"):
            assert point[name] == total[name], (point["period"], name)
    app.config.update(MIN_N=100)
    body = client.get("/api/v1/trend?unit=NA&to=2026-Q3&periods=4", headers=auth).json
    assert {p["verdict"] for p in body["points"]} == {"insufficient"}
