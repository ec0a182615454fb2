"""Security headers: every part of the app says what it may load, and nothing frames it."""
from __future__ import annotations

import pytest


@pytest.mark.parametrize("path, allows", [
    ("/", "style-src 'unsafe-inline'"),
    ("/s/NA-VINH/Q1", "form-action 'self'"),
    ("/s/NA-NOWHERE", "style-src 'unsafe-inline'"),  # the 404 page too
    ("/r/ZZZZZZZZ", "style-src 'unsafe-inline'"),
    ("/kiosk/", "default-src 'self'"),
    ("/kiosk/sw.js", "default-src 'self'"),
    ("/api/v1/questionnaire", "default-src 'none'"),
    ("/api/v1/nowhere", "default-src 'none'"),
])
def test_every_response_carries_security_headers(client, questionnaire, path, allows):
    with client.get(path) as reply:  # file responses stream: close them
        headers = reply.headers
    policy = headers["Content-Security-Policy"]
    assert allows in policy and "frame-ancestors 'none'" in policy
    if path.startswith(("/s/", "/r/")):
        # The survey form's one inline script (QR and receipt pages), by its hash only.
        script = policy.split("script-src ")[1].split(";")[0]
        assert script.startswith("'sha256-") and script.count("'") == 2
    else:
        assert "script-src" not in policy or path.startswith("/kiosk")
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["Referrer-Policy"] == "no-referrer"


def test_phone_pages_may_run_only_the_form_script(client, questionnaire):
    policy = client.get("/s/NA-VINH/Q1").headers["Content-Security-Policy"]
    assert policy.startswith("default-src 'none';")
