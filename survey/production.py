"""Start-up checks of a production configuration (``SURVEY_ENV=production``), and the
file modes of what the app creates under its instance folder.

In production the app refuses to start, with every reason at once, rather than run in a
way that fails later or quietly: without a shared ``SURVEY_SECRET_KEY`` (each server would
generate its own and sessions would break between them), with a public URL that is not
``https://`` (the kiosk's offline mode and the secure cookies need it), or with the
``memory://`` rate-limit store when several workers run (each would count on its own,
multiplying every limit). The messages are for the IT officer reading the service's log,
in English like the rest of the log.
"""
from __future__ import annotations

import os
import shlex
from pathlib import Path
from typing import Any, Mapping, Optional

import sqlalchemy as sa

#: Shortest secret key accepted in production (``secrets.token_hex(32)`` gives 64).
MIN_SECRET_LENGTH = 32


class ConfigurationError(RuntimeError):
    """The configuration is unsafe for production; the message says what to change."""


def is_production(config: Mapping[str, Any]) -> bool:
    return str(config.get("ENV") or "").strip().lower() == "production"


def configured_workers(config: Mapping[str, Any],
                       environ: Optional[Mapping[str, str]] = None) -> int:
    """How many worker processes serve the app: ``SURVEY_WORKERS`` (set by the repo's
    gunicorn.conf.py), else ``WEB_CONCURRENCY``, else ``-w``/``--workers`` in
    ``GUNICORN_CMD_ARGS``; 1 when none says."""
    environ = os.environ if environ is None else environ
    if config.get("WORKERS"):
        return int(config["WORKERS"])
    if environ.get("WEB_CONCURRENCY", "").strip().isdigit():
        return int(environ["WEB_CONCURRENCY"])
    args = shlex.split(environ.get("GUNICORN_CMD_ARGS", ""))
    for index, arg in enumerate(args):
        if arg in ("-w", "--workers") and index + 1 < len(args) and args[index + 1].isdigit():
            return int(args[index + 1])
        if arg.startswith("--workers=") and arg.split("=", 1)[1].isdigit():
            return int(arg.split("=", 1)[1])
        if arg.startswith("-w") and arg[2:].isdigit():
            return int(arg[2:])
    return 1


def production_problems(config: Mapping[str, Any],
                        environ: Optional[Mapping[str, str]] = None) -> list[str]:
    """What makes ``config`` unsafe for production (empty when nothing does). Called
    before the app generates a secret key of its own."""
    problems = []
    secret = config.get("SECRET_KEY")
    if not secret:
        problems.append(
            "SURVEY_SECRET_KEY is not set: every server and worker must share one explicit "
            "key (python -c 'import secrets; print(secrets.token_hex(32))').")
    elif len(str(secret)) < MIN_SECRET_LENGTH:
        problems.append(f"SURVEY_SECRET_KEY is shorter than {MIN_SECRET_LENGTH} characters.")
    public_url = str(config.get("PUBLIC_URL") or "")
    if not public_url.startswith("https://"):
        problems.append(
            f"SURVEY_PUBLIC_URL must start with https:// (it is {public_url!r}): the kiosk's "
            "offline mode and the secure session cookie need HTTPS.")
    workers = configured_workers(config, environ)
    if workers > 1 and str(config.get("RATELIMIT_STORAGE", "")).startswith("memory"):
        problems.append(
            f"{workers} workers share the memory:// rate-limit store, so each would count "
            "alone: set SURVEY_RATELIMIT_STORAGE=redis://127.0.0.1:6379/0 (pip install "
            "'bhtn-survey[redis]') or run one worker.")
    return problems


def check_production(config: Mapping[str, Any]) -> None:
    """Raise :class:`ConfigurationError` listing every problem of a production config."""
    problems = production_problems(config)
    if problems:
        raise ConfigurationError(
            "Refusing to start with SURVEY_ENV=production:\n" +
            "\n".join(f"  - {problem}" for problem in problems) +
            "\nSee docs/deploy.md.")


def secure_cookies(config: dict) -> None:
    """Served over HTTPS: cookies (the managers' sign-in) never travel in clear, and
    links the app builds without a request use https."""
    if str(config.get("PUBLIC_URL", "")).startswith("https://"):
        config["SESSION_COOKIE_SECURE"] = True
        config["REMEMBER_COOKIE_SECURE"] = True
        config["PREFERRED_URL_SCHEME"] = "https"


def private_folder(path: str) -> None:
    """Create the instance folder readable by the app's user only (0700); an existing
    folder is left as its owner set it."""
    Path(path).mkdir(mode=0o700, parents=True, exist_ok=True)


def private_sqlite_file(url: str) -> None:
    """Create a SQLite database file (empty: SQLite takes it as a new database) with mode
    0600 before SQLite does with the process's umask; its -wal and -shm files inherit
    the mode. Anything but a SQLite file in an existing folder is left alone."""
    try:
        parsed = sa.engine.make_url(url)
    except Exception:  # not a URL SQLAlchemy knows: the engine will say so
        return
    database = parsed.database or ""
    if parsed.get_backend_name() != "sqlite" or database in ("", ":memory:") \
            or database.startswith("file:") or parsed.query.get("mode") == "memory":
        return
    path = Path(database)
    if path.parent.is_dir() and not path.exists():
        try:
            os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
        except FileExistsError:  # another worker was first
            pass
