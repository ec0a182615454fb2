"""The OpenAPI description and the docs page describe every API route, in vi and en."""
from __future__ import annotations

import re

import pytest

from survey.api.errors import PROBLEM_TYPES


def api_operations(app) -> set[tuple[str, str]]:
    """(method, path below /api/v1) of every API route except the description itself."""
    found = set()
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith("api.") and rule.endpoint not in ("api.openapi",
                                                                      "api.docs"):
            for method in rule.methods - {"HEAD", "OPTIONS"}:
                found.add((method.lower(), rule.rule.removeprefix("/api/v1")))
    return found


def test_every_api_route_is_described(app, client):
    doc = client.get("/api/v1/openapi.json").get_json()
    assert doc["openapi"].startswith("3.1")
    assert doc["servers"] == [{"url": "/api/v1"}]
    described = {(method, path) for path, ops in doc["paths"].items() for method in ops}
    assert described == api_operations(app)
    schemas = doc["components"]["schemas"]
    for path, ops in doc["paths"].items():
        for method, op in ops.items():
            assert op["summary"] and "500" in op["responses"], (method, path)
            for status, answer in op["responses"].items():
                for media in answer.get("content", {}).values():
                    assert media["schema"]["$ref"].rsplit("/", 1)[1] in schemas
                if int(status) >= 400:
                    assert list(answer["content"]) == ["application/problem+json"]


def test_security_follows_the_token_decorators(client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    assert paths["/index"]["get"]["security"] == [{"apiToken": []}]
    assert paths["/receipts"]["post"]["security"] == [{"apiToken": []}]
    assert paths["/responses"]["post"]["security"] == [{"kioskToken": []}]
    assert paths["/kiosk/pair"]["post"]["security"] == []
    assert "401" not in paths["/kiosk/pair"]["post"]["responses"]


def test_description_is_translated(client):
    from flask_babel import refresh

    vi = client.get("/api/v1/openapi.json").get_json()
    refresh()  # the test app context outlives requests; the locale is cached in it
    en = client.get("/api/v1/openapi.json?lang=en").get_json()
    assert en["paths"]["/receipts"]["post"]["summary"] == "Issue receipt codes"
    assert vi["paths"]["/receipts"]["post"]["summary"] != "Issue receipt codes"
    period = lambda doc: doc["paths"]["/index"]["get"]["parameters"][0]  # noqa: E731
    assert period(en)["name"] == "period" and period(en)["description"].startswith("Reporting")
    assert period(vi)["description"] != period(en)["description"]


@pytest.mark.parametrize("lang, heading", [("vi", "Tài liệu API"), ("en", "API reference")])
def test_docs_page_lists_every_operation(app, client, lang, heading):
    from flask_babel import refresh

    refresh()
    res = client.get(f"/api/v1/docs?lang={lang}")
    assert res.status_code == 200 and res.mimetype == "text/html"
    html = res.get_data(as_text=True)
    assert heading in html and f'<html lang="{lang}">' in html
    for method, path in api_operations(app):
        assert f"{method.upper()} {path}" in html
    for code in PROBLEM_TYPES:
        assert f'id="problem-{code}"' in html
    for name in ("ReceiptRequest", "IndexReport", "Problem", "KioskResponseItem"):
        assert f'id="schema-{name}"' in html
    # Server-rendered, nothing loaded from elsewhere: the pages' CSP (no script) applies.
    assert "<script" not in html and not re.search(r'(src|href)="https?://', html)
    assert "script-src" not in res.headers["Content-Security-Policy"]
    assert "default-src 'none'" in res.headers["Content-Security-Policy"]


def test_success_answers_match_their_schemas(client, db, demo):
    """The same check as the fuzzer's, on one plain call of each operation."""
    from survey.api import schemas
    from survey.services.devices import kiosks, tokens

    _row, token = tokens.create_api_token(db.session, "schemas")
    _device, code = kiosks.add_device(db.session, "NA-VINH-Q3", "K")
    db.session.commit()
    api = {"Authorization": f"Bearer {token}"}
    pairing = client.post("/api/v1/kiosk/pair", json={"code": code}).get_json()
    schemas.Pairing.model_validate(pairing)
    kiosk = {"Authorization": f"Bearer {pairing['token']}"}
    schemas.QuestionnaireOut.model_validate(client.get("/api/v1/questionnaire").get_json())
    schemas.BatchResult.model_validate(client.post(
        "/api/v1/responses", headers=kiosk, json={"responses": []}).get_json())
    schemas.ReceiptBatch.model_validate(client.post(
        "/api/v1/receipts", headers=api,
        json={"unit": "NA-VINH-Q1", "service": "ui_apply"}).get_json())
    for by in ("unit", "service", "channel", "dimension", "item"):
        schemas.IndexReport.model_validate(client.get(
            f"/api/v1/index?period=2026-Q3&unit=NA&by={by}", headers=api).get_json())
