"""gunicorn.conf.py runs the app with several workers: health, readiness, metrics added
up over every worker, request ids; and a production config it must refuse stops it."""
from __future__ import annotations

import http.client
import json
import socket
import subprocess
import time
import urllib.error
import urllib.request

import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.support.gunicorn import GunicornServer


def get(url: str, headers: dict | None = None):
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=10) as res:
            return res.status, dict(res.headers), res.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def healthz_count(server) -> float:
    status, _headers, body = get(server.url + "/metrics")
    assert status == 200
    labels = {"endpoint": "health.healthz", "method": "GET", "status": "200"}
    return sum(s.value for family in text_string_to_metric_families(body.decode())
               for s in family.samples
               if s.name == "survey_http_requests_total" and s.labels == labels)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with GunicornServer(tmp_path_factory.mktemp("gunicorn"), workers=2) as live:
        yield live


def test_two_workers_serve_health_readiness_and_summed_metrics(server):
    before = healthz_count(server)
    # One worker is kept busy reading a request whose headers have not ended, so that
    # the other answers the next ones: both then count requests (which worker takes a
    # connection is otherwise the kernel's choice, and may always be the same one).
    host, port = server.url.removeprefix("http://").split(":")
    held = socket.create_connection((host, int(port)), timeout=30)
    try:
        held.sendall(b"GET /healthz HTTP/1.1\r\nHost: survey.test\r\n")
        time.sleep(0.3)  # taken by a worker, which now waits for the rest
        for _ in range(12):
            status, _headers, _body = get(server.url + "/healthz")
            assert status == 200
        held.sendall(b"Connection: close\r\n\r\n")
        answer = b""
        while chunk := held.recv(65536):
            answer += chunk
    finally:
        held.close()
    assert answer.startswith(b"HTTP/1.1 200")
    status, headers, body = get(server.url + "/readyz", {"X-Request-ID": "probe-12345678"})
    assert status == 200 and json.loads(body)["status"] == "ready"
    assert headers["X-Request-ID"] == "probe-12345678"
    # Whichever worker answered each request, /metrics adds up both.
    assert healthz_count(server) - before == 13
    assert len(list(server.metrics_dir.glob("counter_*.db"))) >= 2


@pytest.mark.parametrize("path", ["/s/NA-VINH/Q1", "/admin/sign-in"])
def test_a_body_over_the_limit_gets_the_apps_413_page(server, path):
    """Under gunicorn, not only the test client: the app's page and headers, not a bare
    500 from the server."""
    # Content-Length announces 3 MiB; a few bytes follow. The app answers from the
    # header alone, so the client never races the server closing a half-read body.
    host, port = server.url.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=30)
    try:
        connection.putrequest("POST", path)
        connection.putheader("Content-Type", "application/x-www-form-urlencoded")
        connection.putheader("Content-Length", str(3 << 20))
        connection.endheaders(b"lang=en&x=xxxx")
        response = connection.getresponse()
        status, headers, body = response.status, response.headers, response.read()
    finally:
        connection.close()
    assert status == 413
    assert headers["Content-Type"].startswith("text/html")
    assert "Content-Security-Policy" in headers and "X-Request-ID" in headers
    assert b"413" in body


def test_production_with_two_workers_and_memory_limits_does_not_start(tmp_path):
    server = GunicornServer(tmp_path, workers=2, env={
        "SURVEY_ENV": "production", "SURVEY_PUBLIC_URL": "https://survey.example.vn"})
    server.prepare()
    process = server.launch()
    try:
        process.wait(timeout=60)
    except subprocess.TimeoutExpired:
        process.kill()
        raise
    log = server.log.read_text()
    assert process.returncode != 0
    assert "Refusing to start with SURVEY_ENV=production" in log
    assert "memory:// rate-limit store" in log
