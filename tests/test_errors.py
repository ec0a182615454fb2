"""Failures answered honestly: a database that cannot be reached is a 503 with
Retry-After (never a 500), a body over the limit a 413 page with the security headers."""
from __future__ import annotations

import pytest

from tests.conftest import make_test_app

UNREACHABLE = {
    # A SQLite file in a folder that does not exist cannot be opened.
    "sqlite": "sqlite:////nonexistent-folder/for/sure/survey.sqlite",
    # Nothing listens on the discard port: the connection is refused at once.
    "postgresql": "postgresql+psycopg://survey@127.0.0.1:9/survey?connect_timeout=2",
}


@pytest.fixture(params=sorted(UNREACHABLE))
def down_client(request, tmp_path):
    app = make_test_app(UNREACHABLE[request.param], tmp_path)
    return app.test_client()


def test_phone_page_without_database_is_503_in_vietnamese(down_client):
    res = down_client.get("/s/NA-VINH/Q1")
    assert res.status_code == 503
    assert res.headers["Retry-After"] == "30"
    assert res.mimetype == "text/html"
    html = res.get_data(as_text=True)
    assert '<html lang="vi">' in html and "503" in html
    assert "Không có dữ liệu nào bị mất" not in html  # never claim what was not done
    assert "Content-Security-Policy" in res.headers


def test_posted_form_without_database_is_503(down_client):
    res = down_client.post("/r/ABCD2345", data={"lang": "en"})
    assert res.status_code == 503 and "Retry-After" in res.headers
    assert "has not been saved yet" in res.get_data(as_text=True)


def test_api_without_database_is_a_503_problem(down_client):
    res = down_client.get("/api/v1/index?period=2026&unit=NA",
                          headers={"Authorization": "Bearer svy_whatever"})
    assert res.status_code == 503
    assert res.mimetype == "application/problem+json"
    assert res.headers["Retry-After"] == "30"
    body = res.get_json()
    assert body["code"] == "service_unavailable" and body["status"] == 503


@pytest.mark.parametrize("path", ["/s/NA-VINH/Q1", "/r/ABCD2345", "/admin/sign-in"])
def test_body_over_the_limit_is_413_page_with_headers(client, demo, path):
    big = b"lang=en&x=" + b"x" * (10 * 1024 * 1024)
    res = client.post(path, data=big, content_type="application/x-www-form-urlencoded")
    assert res.status_code == 413
    assert res.mimetype == "text/html"
    assert "413" in res.get_data(as_text=True)
    assert "Content-Security-Policy" in res.headers and res.headers["X-Frame-Options"] == "DENY"


def test_api_body_over_the_limit_is_413_problem(client):
    res = client.post("/api/v1/kiosk/pair", data=b'{"code": "' + b"1" * (3 << 20) + b'"}',
                      content_type="application/json")
    assert res.status_code == 413
    assert res.get_json()["code"] == "payload_too_large"
    assert "Content-Security-Policy" in res.headers


@pytest.mark.parametrize("query", ["lang=%00", "svc=ui%00apply", "%00=1", "a=1&b=%00x"])
def test_a_nul_anywhere_in_the_query_is_refused_before_any_view(client, demo, query):
    res = client.get(f"/s/NA-VINH/Q1?{query}")
    assert res.status_code == 400
    assert client.get("/s/NA-VINH/Q1?lang=vi&svc=ui_apply").status_code == 200
