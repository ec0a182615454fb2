"""The kiosk client is served at /kiosk/ with its service worker and settings."""
from __future__ import annotations

import re


def test_app_shell_is_served(client):
    with client.get("/kiosk/") as reply:
        assert reply.status_code == 200 and b'src="/kiosk/js/app.js"' in reply.data
        assert reply.headers["Cache-Control"] == "no-cache"
    assert client.get("/kiosk").status_code == 301
    with client.get("/kiosk/js/app.js") as reply:
        assert reply.mimetype == "text/javascript"


def test_service_worker_scope_and_headers(client):
    with client.get("/kiosk/sw.js") as reply:
        assert reply.status_code == 200
        assert reply.headers["Service-Worker-Allowed"] == "/kiosk/"
        assert "no-cache" in reply.headers["Cache-Control"]
        shell = reply.get_data(as_text=True)
    for path in re.findall(r'"(/kiosk/[^"]*)"', shell):
        with client.get(path) as reply:
            assert reply.status_code == 200, path


def test_setup_files_are_not_served(client):
    for path in ("/kiosk/README.md", "/kiosk/kiosk-launcher.sh", "/kiosk/bhtn-kiosk.service",
                 "/kiosk/../wsgi.py", "/kiosk/%2e%2e/wsgi.py"):
        assert client.get(path).status_code == 404, path


def test_settings_carry_config_and_strings_in_both_languages(app, client):
    app.config["KIOSK_IDLE_SECONDS"] = 45
    body = client.get("/kiosk/config.json").get_json()
    assert body["idle_seconds"] == 45 and body["countdown_seconds"] == 10
    assert body["submit_partial"] is True
    vi, en = body["strings"]["vi"], body["strings"]["en"]
    assert vi.keys() == en.keys()
    assert vi["not_applicable"] == "Không áp dụng" and en["not_applicable"] == "Not applicable"
    assert "{n}" in vi["progress"] and "{total}" in en["progress"]
    assert "{s}" in vi["idle_lead"]
