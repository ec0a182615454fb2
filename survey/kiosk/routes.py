"""Serve the kiosk client: its files, the service worker and its settings."""
from __future__ import annotations

from pathlib import Path

from flask import abort, current_app, jsonify, redirect, request, send_from_directory, url_for

from . import bp
from .strings import all_strings

CLIENT_DIR = Path(__file__).resolve().parents[2] / "kiosk"
#: Only the web app is served; the launcher, unit file and guide stay private.
SERVED_SUFFIXES = {".html", ".js", ".css", ".svg", ".png", ".webmanifest", ".ico"}


def client_dir() -> Path:
    return Path(current_app.config.get("KIOSK_CLIENT_DIR") or CLIENT_DIR)


def _send(filename: str, max_age: int = 0):
    # no-cache: the browser (and the service worker) revalidates with the ETag each time.
    response = send_from_directory(client_dir(), filename, max_age=max_age, conditional=True)
    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.get("/kiosk")
def kiosk_root():
    return redirect(url_for("kiosk.index"), code=301)


@bp.get("/kiosk/")
def index():
    response = _send("index.html")
    response.headers["X-Frame-Options"] = "DENY"
    return response


@bp.get("/kiosk/sw.js")
def service_worker():
    response = _send("sw.js")
    response.headers["Service-Worker-Allowed"] = "/kiosk/"
    response.headers["Cache-Control"] = "no-cache, max-age=0"
    return response


@bp.get("/kiosk/config.json")
def settings():
    """Kiosk behaviour from the server's config, and every UI string in both languages."""
    config = current_app.config
    response = jsonify(
        idle_seconds=config["KIOSK_IDLE_SECONDS"],
        countdown_seconds=config["KIOSK_COUNTDOWN_SECONDS"],
        submit_partial=bool(config["KIOSK_SUBMIT_PARTIAL"]),
        thanks_seconds=config["KIOSK_THANKS_SECONDS"],
        batch_size=min(100, config["KIOSK_MAX_BATCH"]),
        languages=list(config["LANGUAGES"]),
        default_language=config["BABEL_DEFAULT_LOCALE"],
        strings=all_strings(config["LANGUAGES"]))
    response.headers["Cache-Control"] = "no-cache"
    response.add_etag()
    return response.make_conditional(request)


@bp.get("/kiosk/<path:filename>")
def client_file(filename: str):
    if Path(filename).suffix not in SERVED_SUFFIXES:
        abort(404)
    return _send(filename)
