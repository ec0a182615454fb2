"""A live server and Debian's Chromium, shared by the browser tests and the benches.

The server is a separate ``flask run`` process on its own port and SQLite file, migrated
with Alembic and loaded with the demo data, so that a test can stop and restart it and
a bench's browser and server do not share a Python process. Importable without pytest:
benches put the repository root on ``sys.path`` and ``from tests.support.live import …``.
"""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

from flask_migrate import upgrade

from survey import create_app
from survey.extensions import db
from survey.services import catalogue

ROOT = Path(__file__).resolve().parents[2]
#: Debian's Chromium (Playwright's own download is not used); SURVEY_CHROMIUM overrides.
CHROMIUM = os.environ.get("SURVEY_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
#: Viewports: a cheap phone, and the kiosk's touch screen.
PHONE = {"width": 360, "height": 740}
KIOSK = {"width": 1280, "height": 800}
#: The questionnaire versions loaded, the last one current: v1 only, as in the unit tests
#: (most tests answer every item); a test of v2 (matrix sampling) asks for both.
V1_ONLY = ("questionnaire_v1.json",)


def launch_chromium(playwright, **options: Any):
    """Chromium from a started ``sync_playwright()``, with the shared path and flags."""
    return playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, **options)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class LiveServer:
    """A ``flask run`` process on its own port and SQLite database under ``workdir``."""

    def __init__(self, workdir: Path, env: dict[str, str] | None = None,
                 versions: tuple[str, ...] = V1_ONLY):
        self.workdir = Path(workdir)
        self.extra_env = env or {}
        self.versions = versions
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.database_url = f"sqlite:///{self.workdir / 'live.sqlite'}"
        self.process: subprocess.Popen | None = None
        self.log = self.workdir / "server.log"

    def config(self) -> dict:
        return {"SQLALCHEMY_DATABASE_URI": self.database_url, "SECRET_KEY": "browser-tests",
                "INSTANCE_PATH": str(self.workdir), "PUBLIC_URL": self.url}

    def app(self):
        """An app bound to the same database, for setting up and checking data."""
        return create_app(self.config())

    def prepare(self) -> None:
        """Migrate the database and load the demo data."""
        app = self.app()
        with app.app_context():
            upgrade()
            catalogue.seed_demo(db.session, versions=self.versions)
            db.session.commit()
            db.engine.dispose()

    def start(self) -> None:
        env = {**os.environ, "SURVEY_DATABASE_URL": self.database_url,
               "SURVEY_SECRET_KEY": "browser-tests", "SURVEY_INSTANCE_PATH": str(self.workdir),
               "SURVEY_PUBLIC_URL": self.url, **self.extra_env}
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "flask", "--app", "wsgi", "run", "--port", str(self.port),
                 "--host", "127.0.0.1", "--no-reload", "--without-threads"],
                cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen(self.url + "/", timeout=1).read()
                return
            except OSError:
                if self.process.poll() is not None:
                    break
                time.sleep(0.1)
        raise RuntimeError(f"server did not start: {self.log.read_text()[-2000:]}")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)
        self.process = None

    def restart(self) -> None:
        self.stop()
        self.start()

    def __enter__(self) -> "LiveServer":
        """Prepared and started; stopped on leaving."""
        self.prepare()
        self.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.stop()


def focused_id(page, expected: str, timeout: float = 5000) -> str:
    """The id of the focused element, once it is ``expected`` or after ``timeout`` ms: a
    page answering a POST may still be loading (and applying ``autofocus``) when the
    response event fires."""
    try:
        page.wait_for_function(f"() => document.activeElement && "
                               f"document.activeElement.id === {expected!r}",
                               timeout=timeout)
    except Exception:  # noqa: BLE001 - the caller's assertion reports what was focused
        pass
    return page.evaluate("document.activeElement ? document.activeElement.id : ''")
