"""The kiosk client is served at /kiosk/ with its service worker and settings."""
from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

from survey.kiosk.routes import CLIENT_DIR

DEPLOY_DIR = Path(__file__).resolve().parents[2] / "deploy" / "kiosk"


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


def served_build(client) -> dict:
    with client.get("/kiosk/sw.js") as reply:
        first = reply.get_data(as_text=True).splitlines()[0]
    assert first.startswith("const BUILD = ") and first.endswith(";")
    return json.loads(first[len("const BUILD = "):-1])


def test_service_worker_carries_the_whole_shell(client):
    build = served_build(client)
    assert re.fullmatch(r"[0-9a-f]{16}", build["version"])
    modules = {f"/kiosk/js/{path.name}" for path in (CLIENT_DIR / "js").glob("*.js")}
    assert len(modules) >= 5 and modules <= set(build["shell"])
    assert {"/kiosk/", "/kiosk/css/kiosk.css", "/kiosk/manifest.webmanifest"} <= set(build["shell"])
    assert not {"/kiosk/sw.js", "/kiosk/index.html", "/kiosk/README.md"} & set(build["shell"])
    # The browser's byte-for-byte update check can answer 304 when nothing changed.
    with client.get("/kiosk/sw.js") as reply:
        etag = reply.headers["ETag"]
    assert client.get("/kiosk/sw.js", headers={"If-None-Match": etag}).status_code == 304


def test_any_change_to_a_kiosk_file_is_a_new_version(app, client, tmp_path):
    copy = tmp_path / "kiosk"
    shutil.copytree(CLIENT_DIR, copy)
    app.config["KIOSK_CLIENT_DIR"] = str(copy)
    first = served_build(client)
    assert served_build(client) == first  # stable while nothing changes
    style = copy / "css" / "kiosk.css"
    style.write_text(style.read_text() + "\n/* a fix */\n")
    second = served_build(client)
    assert second["version"] != first["version"] and second["shell"] == first["shell"]
    (copy / "js" / "extra.js").write_text("export const extra = 1;\n")
    third = served_build(client)
    assert third["version"] != second["version"] and "/kiosk/js/extra.js" in third["shell"]


def test_setup_files_are_not_served(app, client, tmp_path):
    # The launcher, unit file and guide live in deploy/kiosk/, away from the served app...
    assert not {path.name for path in CLIENT_DIR.iterdir()} & {
        "README.md", "kiosk-launcher.sh", "bhtn-kiosk.service"}
    # ...and would not be served even if someone copied them next to it.
    copy = tmp_path / "kiosk"
    shutil.copytree(CLIENT_DIR, copy)
    for name in ("README.md", "kiosk-launcher.sh", "bhtn-kiosk.service"):
        shutil.copy2(DEPLOY_DIR / name, copy / name)
    app.config["KIOSK_CLIENT_DIR"] = str(copy)
    for path in ("/kiosk/README.md", "/kiosk/kiosk-launcher.sh", "/kiosk/bhtn-kiosk.service",
                 "/kiosk/../wsgi.py", "/kiosk/%2e%2e/wsgi.py"):
        assert client.get(path).status_code == 404, path
    assert "/kiosk/README.md" not in served_build(client)["shell"]


def test_settings_carry_config_and_strings_in_both_languages(app, client):
    app.config["KIOSK_IDLE_SECONDS"] = 45
    app.config["KIOSK_HEARTBEAT_SECONDS"] = 120
    body = client.get("/kiosk/config.json").get_json()
    assert body["idle_seconds"] == 45 and body["countdown_seconds"] == 10
    assert body["heartbeat_seconds"] == 120
    assert body["submit_partial"] is True
    vi, en = body["strings"]["vi"], body["strings"]["en"]
    assert vi.keys() == en.keys()
    assert vi["not_applicable"] == "Tôi không gặp việc này"
    assert en["not_applicable"] == "I did not experience this"
    assert "flask" not in vi["pair_lead"] + en["pair_lead"]  # no developer command
    assert "{n}" in vi["progress"] and "{total}" in en["progress"]
    assert "{s}" in vi["idle_lead"]
