"""Garbage sent to any route gets a 4xx (or a page), never a 500."""
from __future__ import annotations

import pytest

from survey.services import tokens

GARBAGE_VALUES = ["", "x" * 300, "%00", "../../etc/passwd", "NA-VINH", "💥", "1e309"]
BODIES = [
    ({"data": b"\xff\xfe\x00garbage", "content_type": "application/json"}),
    ({"data": b"[1, 2, 3]", "content_type": "application/json"}),
    ({"data": b'{"responses": [{"id": null}], "code": [], "unit": {}, "count": "NaN"}',
      "content_type": "application/json"}),
    ({"data": b'{"responses": [{"id": "\\u0000", "service": "a\\u0000"}], '
              b'"code": "\\u0000", "unit": "NA\\u0000", "service": "\\u0000", "count": 1}',
      "content_type": "application/json"}),
    ({"data": b"a=%ZZ&b=\xff", "content_type": "application/x-www-form-urlencoded"}),
    ({"data": b"--x\r\nContent-Disposition: form-data; name=\"q\"\r\n\r\n1\r\n--x--\r\n",
      "content_type": "multipart/form-data; boundary=x"}),
]


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
                    if res.status_code >= 500:
                        failures.append((method, url, res.status_code))
    assert failures == []


def test_garbage_query_strings_are_not_500(client, demo, bearer):
    for query in ("period=2026-Q9&unit=NA", "period=%FF&unit=%00", "period=2026&unit=NA&by=x",
                  "period=2026&unit=NA&target=nan", "period=2026&unit=NA&target=1e999",
                  "period=99999&unit=NA", "lang=xx"):
        for path in ("/api/v1/index", "/s/NA-VINH", "/r", "/api/v1/questionnaire"):
            res = client.get(f"{path}?{query}", headers=bearer)
            assert res.status_code < 500, (path, query, res.status_code)
