"""Serve the kiosk client: its files, the service worker and its settings."""
from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

from flask import abort, current_app, jsonify, redirect, request, send_from_directory, url_for

from ..resources import kiosk_client_dir
from . import bp
from .strings import all_strings

#: The packaged kiosk app (``KIOSK_CLIENT_DIR`` in the config overrides it).
CLIENT_DIR = kiosk_client_dir()
#: Only the web app is served, never anything else that may sit in its folder.
SERVED_SUFFIXES = {".html", ".js", ".css", ".svg", ".png", ".webmanifest", ".ico"}


def client_dir() -> Path:
    return Path(current_app.config.get("KIOSK_CLIENT_DIR") or CLIENT_DIR)


#: The first line of ``sw.js``; the server puts the real build there when it serves the file.
BUILD_LINE = re.compile(r"^const BUILD = .*;$", re.M)


def shell_files() -> list[str]:
    """URL paths of every file of the web app the kiosk keeps offline (not ``sw.js``)."""
    root = client_dir()
    files = sorted(path.relative_to(root).as_posix() for path in root.rglob("*")
                   if path.is_file() and path.suffix in SERVED_SUFFIXES and path.name != "sw.js"
                   and not any(part.startswith(".") for part in path.relative_to(root).parts))
    return ["/kiosk/" if name == "index.html" else f"/kiosk/{name}" for name in files]


def build() -> dict:
    """The shell's file list and a version that changes whenever any of those files does."""
    root = client_dir()
    digest = hashlib.sha256()
    shell = shell_files()
    for url in shell:
        name = "index.html" if url == "/kiosk/" else url[len("/kiosk/"):]
        digest.update(name.encode() + b"\0" + (root / name).read_bytes() + b"\0")
    return {"version": digest.hexdigest()[:16], "shell": shell}


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
    """The service worker with this server's build in it, so that any change to the
    kiosk's files changes ``sw.js`` too and kiosks install the new version whole."""
    source = (client_dir() / "sw.js").read_text(encoding="utf-8")
    line = "const BUILD = " + json.dumps(build(), separators=(",", ":")) + ";"
    response = current_app.response_class(BUILD_LINE.sub(lambda _: line, source, count=1),
                                          mimetype="text/javascript")
    response.headers["Service-Worker-Allowed"] = "/kiosk/"
    response.headers["Cache-Control"] = "no-cache, max-age=0"
    response.add_etag()
    return response.make_conditional(request)


@bp.get("/kiosk/config.json")
def settings():
    """Kiosk behaviour from the server's config, and every UI string in both languages."""
    config = current_app.config
    response = jsonify(
        idle_seconds=config["KIOSK_IDLE_SECONDS"],
        countdown_seconds=config["KIOSK_COUNTDOWN_SECONDS"],
        submit_partial=bool(config["KIOSK_SUBMIT_PARTIAL"]),
        thanks_seconds=config["KIOSK_THANKS_SECONDS"],
        heartbeat_seconds=config["KIOSK_HEARTBEAT_SECONDS"],
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
