"""PUT /api/v1/coverage (idempotent per unit and month, audited) and GET /api/v1/coverage."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from survey.models import AuditEvent, CoverageCount
from survey.services.devices import tokens

from .conftest import row


@pytest.fixture
def auth(db, demo):
    _row, token = tokens.create_api_token(db.session, "case software")
    db.session.commit()
    return {"Authorization": f"Bearer {token}"}


def changes(db):
    return list(db.session.scalars(sa.select(AuditEvent).filter_by(action="coverage.changed")
                                   .order_by(AuditEvent.id)))


def test_put_is_idempotent_and_each_change_is_audited(client, db, auth, count_rows):
    body = {"rows": [row("2026-09", "NA-VINH"), row("2026-09", "NA-DEMO1")]}
    first = client.put("/api/v1/coverage", json=body, headers=auth)
    assert first.status_code == 200, first.get_json()
    assert first.get_json() == {"inserted": 2, "updated": 0, "unchanged": 0}
    assert len(changes(db)) == 2
    again = client.put("/api/v1/coverage", json=body, headers=auth)
    assert again.get_json() == {"inserted": 0, "updated": 0, "unchanged": 2}
    assert count_rows(CoverageCount) == 2 and len(changes(db)) == 2  # nothing new to audit
    body["rows"][1]["placed"] = 25
    third = client.put("/api/v1/coverage", json=body, headers=auth)
    assert third.get_json() == {"inserted": 0, "updated": 1, "unchanged": 1}
    event = changes(db)[-1]
    assert event.actor_label == "api:case software" and event.object_id == "NA-DEMO1/2026-09"
    assert (event.detail["before"]["placed"], event.detail["after"]["placed"]) == (20, 25)
    assert event.detail["via"] == "api"
    stored = db.session.scalar(sa.select(CoverageCount).filter_by(placed=25))
    assert stored.source == "api"


@pytest.mark.parametrize("bad, code_fragment, code", [
    ({"placed": -1}, "placed through a referral", "not_a_count"),
    ({"counselled": 91}, "is more than", "part_above_whole"),
    ({"unit": "NOPE"}, "NOPE", "unknown_unit"),
    ({"unit": "NA-VINH-Q1"}, "not a centre or a branch", "not_reporting_unit"),
    ({"month": "2026-Q3"}, "month", "invalid_month"),
    ({"month": "2026-09", "unit": "NA-VINH"}, "/rows/0", "duplicate"),  # the same month twice
    ({"referred": "12"}, None, "not_a_count"),  # JSON true below: not a count
])
def test_bad_rows_are_refused_whole(client, db, auth, count_rows, bad, code_fragment, code):
    second = dict(row("2026-09", "NA-DEMO1"), **bad)
    if bad.get("referred") == "12":
        second["referred"] = True  # JSON true is not a count
    answer = client.put("/api/v1/coverage?lang=en", json={"rows": [
        row("2026-09", "NA-VINH"), second]}, headers=auth)
    assert answer.status_code == 422
    problem = answer.get_json()
    assert problem["code"] == "validation_failed" and list(problem["errors"]) == ["/rows/1"]
    assert problem["error_codes"]["/rows/1"] == [code]
    if code_fragment:
        assert code_fragment in " ".join(problem["errors"]["/rows/1"])
    assert count_rows(CoverageCount) == 0 and changes(db) == []


def test_vietnamese_by_default(client, auth):
    answer = client.put("/api/v1/coverage", json={"rows": [row("2026-09", "NOPE")]},
                        headers=auth)
    assert answer.status_code == 422
    assert "không có đơn vị mã 'NOPE'" in answer.get_json()["errors"]["/rows/0"][0]
    assert "Chưa lưu gì" in answer.get_json()["detail"]


@pytest.mark.parametrize("body", [{}, {"rows": []}, {"rows": "x"}, []])
def test_a_body_without_rows(client, auth, body):
    answer = client.put("/api/v1/coverage", json=body, headers=auth)
    assert answer.status_code in (400, 422)


def test_token_required(client, demo):
    assert client.put("/api/v1/coverage", json={"rows": []}).status_code == 401
    assert client.get("/api/v1/coverage?period=2026&unit=NA").status_code == 401


def test_get_coverage(client, db, auth):
    client.put("/api/v1/coverage", json={"rows": [
        row(m, u) for m in ("2026-07", "2026-08", "2026-09")
        for u in ("NA-VINH", "NA-DEMO1", "NA-DEMO2")]}, headers=auth)
    answer = client.get("/api/v1/coverage?period=2026-q3&unit=na&lang=en", headers=auth)
    assert answer.status_code == 200
    data = answer.get_json()
    assert (data["period"], data["unit"], data["complete"]) == ("2026-Q3", "NA", True)
    rows = {r["key"]: r for r in data["rows"]}
    assert rows["referral"]["share"] == pytest.approx(0.8)
    assert rows["referral"]["verdict"] == "not_met" and rows["referral"]["target"] == 0.9
    assert rows["referral"]["low"] is None and rows["referral"]["source"] == "admin"
    assert rows["training"]["verdict"] == "no_target"
    partial = client.get("/api/v1/coverage?period=2026&unit=NA-DEMO1", headers=auth).get_json()
    assert not partial["complete"] and {"unit": "NA-DEMO1", "month": "2026-01"} \
        in partial["missing"]
    for query in ("period=2026-Q9&unit=NA", "period=2026&unit=NOPE", "unit=NA"):
        assert client.get(f"/api/v1/coverage?{query}", headers=auth).status_code == 422


def test_described_in_openapi(client, demo):
    document = client.get("/api/v1/openapi.json").get_json()
    operations = document["paths"]["/coverage"]
    assert set(operations) == {"get", "put"}
    assert operations["put"]["security"] == [{"apiToken": []}]
    schemas = document["components"]["schemas"]
    assert {"CoverageBatch", "CoverageRowIn", "CoverageReport", "CoverageStored"} <= set(schemas)
    assert "422" in operations["put"]["responses"]


def test_a_concurrent_insert_is_a_409_not_a_500(client, auth, monkeypatch, count_rows):
    from sqlalchemy.exc import IntegrityError

    import survey.api.coverage as view

    def collide(*_args, **_kwargs):
        raise IntegrityError("INSERT", {}, Exception("uq_coverage_counts_month_unit_id"))
    monkeypatch.setattr(view, "store_rows", collide)
    answer = client.put("/api/v1/coverage", json={"rows": [row("2026-09", "NA-VINH")]},
                        headers=auth)
    assert answer.status_code == 409 and answer.get_json()["code"] == "conflict"
    assert count_rows(CoverageCount) == 0


def test_too_many_rows(client, auth, count_rows):
    from survey.api.coverage import MAX_ROWS

    rows = [row(f"{2000 + i // 12}-{i % 12 + 1:02d}", "NA-VINH") for i in range(MAX_ROWS + 1)]
    answer = client.put("/api/v1/coverage", json={"rows": rows}, headers=auth)
    assert answer.status_code == 422 and "/rows" in answer.get_json()["errors"]
    assert count_rows(CoverageCount) == 0
