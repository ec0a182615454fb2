"""SURVEY_ENV=production: the app refuses to start with an unsafe configuration, sets
secure cookies on https, and creates its instance folder and SQLite file private."""
from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from survey import create_app
from survey.production import ConfigurationError, configured_workers

ROOT = Path(__file__).resolve().parent.parent
SECRET = "k" * 64


@pytest.fixture
def environ(monkeypatch):
    """No SURVEY_* or worker settings leaking in from the machine running the tests."""
    for name in list(os.environ):
        if name.startswith("SURVEY_") or name in ("WEB_CONCURRENCY", "GUNICORN_CMD_ARGS"):
            monkeypatch.delenv(name)
    return monkeypatch


def production(tmp_path, **config):
    settings = {"ENV": "production", "SECRET_KEY": SECRET, "INSTANCE_PATH": str(tmp_path / "i"),
                "PUBLIC_URL": "https://survey.example.vn"}
    settings.update(config)
    return create_app({k: v for k, v in settings.items() if v is not None})


def test_a_safe_production_config_starts(environ, tmp_path):
    app = production(tmp_path)
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["REMEMBER_COOKIE_SECURE"] is True
    assert app.config["PREFERRED_URL_SCHEME"] == "https"


def test_refuses_without_an_explicit_secret_key(environ, tmp_path):
    with pytest.raises(ConfigurationError, match="SURVEY_SECRET_KEY is not set"):
        production(tmp_path, SECRET_KEY=None)
    # ... and makes none up on the way.
    assert not (tmp_path / "i" / "secret_key").exists()


def test_refuses_a_short_secret_key(environ, tmp_path):
    with pytest.raises(ConfigurationError, match="shorter than 32"):
        production(tmp_path, SECRET_KEY="short")


def test_refuses_a_plain_http_public_url(environ, tmp_path):
    with pytest.raises(ConfigurationError, match="must start with https://"):
        production(tmp_path, PUBLIC_URL="http://survey.example.vn")


@pytest.mark.parametrize("name, value", [("WEB_CONCURRENCY", "3"),
                                         ("GUNICORN_CMD_ARGS", "-b 127.0.0.1:8000 -w 4"),
                                         ("SURVEY_WORKERS", "2")])
def test_refuses_the_memory_limit_store_with_several_workers(environ, tmp_path, name, value):
    environ.setenv(name, value)
    with pytest.raises(ConfigurationError, match="memory:// rate-limit store"):
        production(tmp_path)
    # With a shared store the same workers are fine.
    assert production(tmp_path, RATELIMIT_STORAGE="redis://127.0.0.1:6379/0")


def test_one_worker_may_use_the_memory_store(environ, tmp_path):
    environ.setenv("WEB_CONCURRENCY", "1")
    assert production(tmp_path).config["RATELIMIT_STORAGE"] == "memory://"


def test_every_problem_is_listed_at_once(environ, tmp_path):
    with pytest.raises(ConfigurationError) as caught:
        production(tmp_path, SECRET_KEY=None, PUBLIC_URL="http://x", WORKERS=2)
    assert str(caught.value).count("\n  - ") == 3


def test_outside_production_nothing_is_refused(environ, tmp_path):
    app = create_app({"INSTANCE_PATH": str(tmp_path / "i"), "WORKERS": 4})
    assert app.config["SECRET_KEY"] and app.config.get("SESSION_COOKIE_SECURE") is False


@pytest.mark.parametrize("args, workers", [("-w 3", 3), ("--workers=5", 5), ("-w2", 2),
                                           ("--bind 0.0.0.0:80", 1), ("", 1)])
def test_workers_read_from_gunicorn_arguments(args, workers):
    assert configured_workers({}, {"GUNICORN_CMD_ARGS": args}) == workers


def test_instance_folder_and_database_are_private(environ, tmp_path):
    old = os.umask(0o022)
    try:
        app = create_app({"INSTANCE_PATH": str(tmp_path / "i")})
    finally:
        os.umask(old)
    folder = Path(app.instance_path)
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert stat.S_IMODE((folder / "survey.sqlite").stat().st_mode) == 0o600
    assert stat.S_IMODE((folder / "secret_key").stat().st_mode) == 0o600


def test_refusal_is_a_clear_message_from_the_command_line(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("SURVEY_")}
    env.update(SURVEY_ENV="production", SURVEY_INSTANCE_PATH=str(tmp_path),
               SURVEY_PUBLIC_URL="http://survey.example.vn")
    result = subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", "routes"],
                            cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode != 0
    assert "Refusing to start with SURVEY_ENV=production" in result.stderr
    assert "SURVEY_SECRET_KEY is not set" in result.stderr


def test_cookies_are_secure_on_https(environ, tmp_path):
    app = production(tmp_path)
    res = app.test_client().get("/admin/sign-in", base_url="https://survey.example.vn")
    cookies = res.headers.getlist("Set-Cookie")
    assert cookies and all("Secure" in cookie and "HttpOnly" in cookie for cookie in cookies)
