"""GET /api/v1/index: token, parameters, JSON without NaN."""
from __future__ import annotations

import json
import math

import pytest

from survey.services.devices import tokens
from survey.services.reporting.index import IndexQuery, index_table
from survey.services.reporting.served import import_served_csv


@pytest.fixture
def auth(db):
    _row, token = tokens.create_api_token(db.session, "test")
    db.session.commit()
    return {"Authorization": f"Bearer {token}"}


def test_token_required(client, tree):
    assert client.get("/api/v1/index?period=2026-Q3&unit=NA").status_code == 401
    bad = client.get("/api/v1/index?period=2026-Q3&unit=NA",
                     headers={"Authorization": "Bearer nope"})
    assert bad.status_code == 401 and bad.json["code"] == "unauthorized"


def test_rows_match_the_service(client, db, seeded, auth):
    res = client.get("/api/v1/index?period=2026-q3&unit=na&by=unit&target=0.8", headers=auth)
    assert res.status_code == 200
    body = res.json
    assert (body["period"], body["unit"], body["target"], body["by"]) == (
        "2026-Q3", "NA", 0.8, "unit")
    table = index_table(db.session, IndexQuery("2026-Q3", "NA", "unit", 0.8))
    assert [r["key"] for r in body["rows"]] == [r.key for r in table.rows]
    for got, row in zip(body["rows"] + [body["total"]], table.rows + [table.total]):
        for name in ("n", "estimate", "se", "low", "high", "df", "method", "weighted",
                     "verdict", "served"):
            want = getattr(row, name)
            if isinstance(want, float) and math.isnan(want):
                assert got[name] is None
            else:
                assert got[name] == pytest.approx(want, abs=1e-12), name


def test_empty_cells_are_null_not_nan(client, tree, auth):
    res = client.get("/api/v1/index?period=2026-Q3&unit=NA&by=dimension", headers=auth)
    assert res.status_code == 200
    text = res.get_data(as_text=True)
    assert "NaN" not in text and "Infinity" not in text
    total = json.loads(text)["total"]
    assert total["estimate"] is None and total["verdict"] == "insufficient"
    assert total["verdict_label"] == "chưa đủ mẫu"


def test_labels_follow_lang(client, seeded, auth):
    from flask_babel import refresh

    vi = client.get("/api/v1/index?period=2026-Q3&unit=NA&by=channel", headers=auth).json
    refresh()  # the test app context outlives requests; the locale is cached in it
    en = client.get("/api/v1/index?period=2026-Q3&unit=NA&by=channel&lang=en",
                    headers=auth).json
    assert vi["rows"][0]["label"] == "Mã QR" and en["rows"][0]["label"] == "QR code"
    assert vi["total"]["verdict_label"] in {"đạt", "không đạt", "chưa đủ căn cứ kết luận"}


@pytest.mark.parametrize("query,parameter,code,fragment", [
    ("period=2026-Q9&unit=NA", "period", "invalid_period", "2026-Q9"),
    ("unit=NA", "period", "required", "required"),
    ("period=2026-Q3", "unit", "required", "required"),
    ("period=2026-Q3&unit=XX", "unit", "unknown_unit", "XX"),
    ("period=2026-Q3&unit=NA&by=counter", "by", "not_allowed", "dimension"),
    ("period=2026-Q3&unit=NA&target=abc", "target", "wrong_type", "0.9"),
    ("period=2026-Q3&unit=NA&target=nan", "target", "out_of_range", "0.9"),
    ("period=2026-Q3&unit=NA&target=90", "target", "out_of_range", "0.9"),
])
def test_bad_parameters_are_422_with_a_message(client, tree, auth, query, parameter, code,
                                               fragment):
    res = client.get(f"/api/v1/index?{query}&lang=en", headers=auth)
    assert res.status_code == 422 and res.mimetype == "application/problem+json"
    body = res.json
    assert body["code"] == "validation_failed"
    assert body["error_codes"] == {parameter: [code]}
    assert fragment in body["errors"][parameter][0] and fragment in body["detail"]


def test_inconsistent_served_count_is_409(client, db, seeded, auth):
    import_served_csv(db.session, b"period,unit,count\n2026-Q3,NA-DC,3\n")
    db.session.commit()
    res = client.get("/api/v1/index?period=2026-Q3&unit=NA", headers=auth)
    assert res.status_code == 409 and res.json["code"] == "conflict"
    assert "NA-DC" in res.json["detail"]


def test_configured_targets_and_minimum_sample_apply(app, client, seeded, auth):
    app.config.update(TARGETS={"2026": 0.5}, MIN_N=100_000)
    body = client.get("/api/v1/index?period=2026-Q3&unit=NA", headers=auth).json
    assert body["target"] == 0.5 and body["min_n"] == 100_000
    assert body["total"]["verdict"] == "insufficient"


def test_verified_counts_receipt_and_kiosk_responses_only(client, db, seeded, auth):
    """``verified=true`` (and ``survey index --verified``): the same table on the
    responses given with a receipt code or on a kiosk, said so in a note."""
    everything = client.get("/api/v1/index?period=2026-Q3&unit=NA", headers=auth).json
    verified = client.get("/api/v1/index?period=2026-Q3&unit=NA&verified=true",
                          headers=auth).json
    assert everything["verified"] is False and verified["verified"] is True
    want = sum(1 for channel in seeded.channels if channel in ("receipt", "kiosk"))
    assert 0 < want < len(seeded.channels)
    assert everything["total"]["responses"] == len(seeded.channels)
    assert verified["total"]["responses"] == want
    assert any("mã biên nhận" in note for note in verified["notes"])
    table = index_table(db.session, IndexQuery("2026-Q3", "NA", verified=True))
    assert table.total.estimate == pytest.approx(verified["total"]["estimate"])


def test_verified_option_of_the_cli(runner, seeded):
    result = runner.invoke(args=["survey", "index", "--period", "2026-Q3", "--unit", "NA",
                                 "--verified", "--format", "json", "--lang", "en"])
    assert result.exit_code == 0, result.output
    body = json.loads(result.output)
    assert body["verified"] is True
    assert body["total"]["responses"] == sum(
        1 for channel in seeded.channels if channel in ("receipt", "kiosk"))
