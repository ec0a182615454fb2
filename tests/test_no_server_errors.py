"""Garbage sent to any route gets a 4xx (or a page), never a 500."""
from __future__ import annotations

import pytest

from survey.services.devices import tokens

GARBAGE_VALUES = ["", "x" * 300, "%00", "../../etc/passwd", "NA-VINH", "💥", "1e309"]
BODIES = [
    ({"data": b"\xff\xfe\x00garbage", "content_type": "application/json"}),
    ({"data": b"[1, 2, 3]", "content_type": "application/json"}),
    ({"data": b'{"responses": [{"id": null}], "code": [], "unit": {}, "count": "NaN"}',
      "content_type": "application/json"}),
    ({"data": b'{"responses": [{"id": "\\u0000", "service": "a\\u0000"}], '
              b'"code": "\\u0000", "unit": "NA\\u0000", "service": "\\u0000", "count": 1}',
      "content_type": "application/json"}),
    # Lone surrogates, escaped as JSON allows: text no database or page can hold.
    ({"data": b'{"responses": [{"id": "\\ud800", "answers": {"\\udfff": 5}}], '
              b'"code": "\\ud800", "unit": "NA\\ud800", "service": "\\udc00", "count": 1}',
      "content_type": "application/json"}),
    ({"data": b"a=%ZZ&b=\xff", "content_type": "application/x-www-form-urlencoded"}),
    ({"data": b"--x\r\nContent-Disposition: form-data; name=\"q\"\r\n\r\n1\r\n--x--\r\n",
      "content_type": "multipart/form-data; boundary=x"}),
]

#: /readyz answers 503 by design here: the test database is built without migrations.
READY_503 = ("/readyz", 503)


def concrete_urls(app) -> list[str]:
    urls = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        for value in GARBAGE_VALUES:
            path = rule.rule
            for arg in rule.arguments:
                path = path.replace(f"<{arg}>", value).replace(f"<path:{arg}>", value)
            urls.append(path)
    return sorted(set(urls))


@pytest.fixture
def bearer(db):
    _row, token = tokens.create_api_token(db.session, "fuzz")
    db.session.commit()
    return {"Authorization": f"Bearer {token}"}


def test_no_route_answers_500_to_garbage(app, client, demo, bearer):
    urls = concrete_urls(app)
    assert len(urls) > 20  # every route was found and expanded
    failures = []
    for url in urls:
        for headers in ({}, bearer):
            for method in ("GET", "POST"):
                bodies = BODIES if method == "POST" else [{}]
                for body in bodies:
                    res = client.open(url, method=method, headers=headers, buffered=True, **body)
                    if res.status_code >= 500 and (url, res.status_code) != READY_503:
                        failures.append((method, url, res.status_code))
    assert failures == []


def test_garbage_query_strings_are_not_500(client, demo, bearer):
    for query in ("period=2026-Q9&unit=NA", "period=%FF&unit=%00", "period=2026&unit=NA&by=x",
                  "period=2026&unit=NA&target=nan", "period=2026&unit=NA&target=1e999",
                  "period=99999&unit=NA", "lang=xx"):
        for path in ("/api/v1/index", "/s/NA-VINH", "/r", "/api/v1/questionnaire"):
            res = client.get(f"{path}?{query}", headers=bearer)
            assert res.status_code < 500, (path, query, res.status_code)


def kiosk_item(**overrides) -> dict:
    item = {"id": "6f1c1f0e-8f8f-4c4c-9c9c-000000000001", "questionnaire_version": 1,
            "service": "ui_apply", "submitted_at": "2026-11-30T08:00:00+07:00",
            "locale": "vi", "answers": {"overall": 5}}
    item.update(overrides)
    return item


NASTY_ITEMS = [
    {"submitted_at": "0001-01-01T00:00:00+14:00"},   # overflows when converted to UTC
    {"submitted_at": "1970-01-01T07:00:00+07:00"},   # a clock that was never set
    {"questionnaire_version": 10**30},               # does not fit an INTEGER column
    {"answers": {"overall": 1e308}},
    {"service": ["ui_apply"], "locale": ["vi"], "reasons": [["x"]]},
]


@pytest.fixture
def device_auth(db, demo):
    from survey.services.devices import kiosks

    _device, code = kiosks.add_device(db.session, "NA-VINH-Q3", "K")
    _device, token = kiosks.pair_device(db.session, code)
    db.session.commit()
    return {"Authorization": f"Bearer {token}"}


@pytest.mark.parametrize("overrides", NASTY_ITEMS)
def test_nasty_kiosk_items_are_rejected_per_item(client, device_auth, overrides, count_rows):
    from survey.models import Response

    res = client.post("/api/v1/responses", json={"responses": [kiosk_item(**overrides)]},
                      headers=device_auth)
    assert res.status_code == 422
    assert [r["id"] for r in res.json["rejected"]] == [kiosk_item()["id"]]
    assert count_rows(Response) == 0


@pytest.mark.parametrize("path", ["/api/v1/receipts", "/api/v1/responses", "/api/v1/kiosk/pair"])
def test_deeply_nested_json_is_400(client, bearer, device_auth, path):
    body = b"[" * 100_000 + b"]" * 100_000
    headers = device_auth if path == "/api/v1/responses" else bearer
    res = client.post(path, data=body, content_type="application/json", headers=headers)
    assert res.status_code == 400
