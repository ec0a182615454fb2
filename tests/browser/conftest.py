"""Browser tests: a real server process and Debian's Chromium driven by Playwright.

The server runs as a separate process (``flask run``) on a SQLite file, migrated with
Alembic and loaded with demo data, so tests can stop and restart it.
"""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from flask_migrate import upgrade

from survey import create_app
from survey.extensions import db
from survey.services import catalogue

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("SURVEY_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
PHONE = {"width": 360, "height": 740}
KIOSK = {"width": 1280, "height": 800}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class LiveServer:
    """A ``flask run`` process on its own port and SQLite database."""

    def __init__(self, workdir: Path, env: dict[str, str] | None = None):
        self.workdir = workdir
        self.extra_env = env or {}
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.database_url = f"sqlite:///{workdir / 'live.sqlite'}"
        self.process: subprocess.Popen | None = None
        self.log = workdir / "server.log"

    def config(self) -> dict:
        return {"SQLALCHEMY_DATABASE_URI": self.database_url, "SECRET_KEY": "browser-tests",
                "INSTANCE_PATH": str(self.workdir), "PUBLIC_URL": self.url}

    def app(self):
        """An app bound to the same database, for setting up and checking data."""
        return create_app(self.config())

    def prepare(self) -> None:
        app = self.app()
        with app.app_context():
            upgrade()
            catalogue.seed_demo(db.session)
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


@pytest.fixture(scope="module")
def live_server(tmp_path_factory):
    server = LiveServer(tmp_path_factory.mktemp("live"))
    server.prepare()
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def phone_page(browser):
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True,
                                  device_scale_factor=2, locale="vi-VN")
    page = context.new_page()
    yield page
    context.close()


def watch_csp(page) -> list[str]:
    """Console reports of anything the Content-Security-Policy blocked, as they come."""
    blocked: list[str] = []
    page.on("console", lambda message: blocked.append(message.text)
            if "Content Security Policy" in message.text else None)
    return blocked


def axe_serious(page) -> list[dict]:
    """axe-core violations of impact serious or critical on the current page."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    return [v for v in results.response["violations"] if v.get("impact") in ("serious", "critical")]
