"""BHTN satisfaction survey platform: the application factory."""
from __future__ import annotations

import os
import secrets
from functools import lru_cache
from pathlib import Path
from typing import Any, Mapping

from flask import Flask, has_request_context, request
from flask_babel import get_locale
from werkzeug.datastructures import LanguageAccept
from werkzeug.exceptions import HTTPException
from werkzeug.http import parse_accept_header

from . import production
from .config import Config
from .extensions import babel, compress, csrf, db, migrate
from .resources import migrations_dir

MIGRATIONS_DIR = str(migrations_dir())


class SurveyFlask(Flask):
    """Flask, asking once per function whether it is a coroutine.

    Flask passes every hook and view through :meth:`ensure_sync` on every request, which
    inspects the function each time (ten times for a claimant's page; about 5 % of a
    thank-you page's time). The answer never changes for a given function.
    """

    def ensure_sync(self, func):
        cache = self.__dict__.setdefault("_sync_functions", {})
        try:
            return cache[func]
        except KeyError:
            found = cache[func] = super().ensure_sync(func)
            return found
        except TypeError:  # an unhashable callable: ask every time
            return super().ensure_sync(func)


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Build the app: defaults, then ``SURVEY_*`` environment, then ``config``."""
    instance_path = (config or {}).get("INSTANCE_PATH") or os.environ.get("SURVEY_INSTANCE_PATH")
    app = SurveyFlask(__name__, instance_relative_config=True, instance_path=instance_path)
    configure_settings(app, config)
    configure_extensions(app)
    configure_sessions(app)
    configure_observability(app)
    configure_guards(app)
    configure_headers(app)
    configure_blueprints(app)
    configure_sign_in(app)
    configure_errors(app)
    configure_cli(app)
    configure_microcache(app)
    configure_fast_lane(app)
    configure_proxy(app)
    return app


def configure_settings(app: Flask, config: Mapping[str, Any] | None) -> None:
    app.config.from_object(Config)
    app.config.from_prefixed_env("SURVEY")
    if config:
        app.config.update(config)
    if production.is_production(app.config):
        production.check_production(app.config)  # before a secret key is made up
    production.private_folder(app.instance_path)
    url = app.config.get("DATABASE_URL") or "sqlite:///" + os.path.join(
        app.instance_path, "survey.sqlite")
    app.config.setdefault("SQLALCHEMY_DATABASE_URI", url)
    production.private_sqlite_file(app.config["SQLALCHEMY_DATABASE_URI"])
    _sqlite_busy_timeout(app.config)
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = _instance_secret(Path(app.instance_path) / "secret_key")
    production.secure_cookies(app.config)


def _sqlite_busy_timeout(config: Any) -> None:
    """On SQLite, how long a write waits for another's lock before giving up (then the
    claimant gets the honest 503 page): ``SQLITE_BUSY_TIMEOUT`` seconds, within the
    request budget (gunicorn's timeout), instead of the driver's 5 s."""
    if str(config["SQLALCHEMY_DATABASE_URI"]).startswith("sqlite"):
        options = dict(config.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
        connect = dict(options.get("connect_args") or {})
        connect.setdefault("timeout", float(config["SQLITE_BUSY_TIMEOUT"]))
        options["connect_args"] = connect
        config["SQLALCHEMY_ENGINE_OPTIONS"] = options


def _instance_secret(path: Path) -> str:
    """Read the instance's secret key, creating it (mode 600) on first run."""
    if not path.exists():
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(secrets.token_hex(32))
    return path.read_text().strip()


def select_locale() -> str:
    """``?lang=`` (or the form's hidden ``lang``) first, then Accept-Language, then vi."""
    from flask import current_app

    if not has_request_context():  # CLI and background work: the default language
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    return choose_locale(current_app.config, request.args.get("lang") or _form_language(),
                         request.headers.get("Accept-Language", ""))


def choose_locale(config: Mapping[str, Any], asked: str | None, accept_language: str) -> str:
    """The language of a request: ``asked`` (``?lang=`` or the form's ``lang``) when it
    is one of ``LANGUAGES``, else the best match of the Accept-Language header, else the
    default. Shared with the claimant's fast lane (survey/public/fastlane.py)."""
    languages = tuple(config["LANGUAGES"])
    if asked is not None and asked in languages:
        return asked
    best = _best_language(accept_language, languages)
    return best if best is not None else str(config["BABEL_DEFAULT_LOCALE"])


@lru_cache(maxsize=256)
def _best_language(header: str, languages: tuple[str, ...]) -> str | None:
    """Werkzeug's reading of an Accept-Language header (the same few come back)."""
    return parse_accept_header(header, LanguageAccept).best_match(languages)


def _form_language() -> str | None:
    """The form's hidden ``lang``, unless the body cannot be read: one over the size limit
    raises a 413 again each time it is read, even while that 413 is being answered."""
    if request.method != "POST":  # no form to read (and parsing an empty one costs)
        return None
    try:
        return request.form.get("lang")
    except HTTPException:
        return None


def configure_extensions(app: Flask) -> None:
    db.init_app(app)
    from .models.types import render_item

    migrate.init_app(app, db, directory=MIGRATIONS_DIR, render_as_batch=True,
                     compare_type=True, render_item=render_item)
    babel.init_app(app, locale_selector=select_locale)
    csrf.init_app(app)
    compress.init_app(app)
    app.context_processor(lambda: {"get_locale": get_locale})
    from . import models  # noqa: F401  (register the tables with the metadata)


def configure_sessions(app: Flask) -> None:
    from .sessions import LeanSessionInterface

    app.session_interface = LeanSessionInterface()


def configure_observability(app: Flask) -> None:
    from .observability import register_observability

    register_observability(app)


def configure_guards(app: Flask) -> None:
    from .guards import register_guards

    register_guards(app)


def configure_headers(app: Flask) -> None:
    from .headers import register_headers

    register_headers(app)


def configure_blueprints(app: Flask) -> None:
    from .admin import bp as admin_bp
    from .api import bp as api_bp
    from .health import bp as health_bp
    from .kiosk import bp as kiosk_bp
    from .public import bp as public_bp
    from .status import bp as status_bp

    app.register_blueprint(public_bp)
    app.register_blueprint(kiosk_bp)
    app.register_blueprint(api_bp, url_prefix="/api/v1")
    app.register_blueprint(admin_bp, url_prefix="/admin")
    app.register_blueprint(health_bp)
    app.register_blueprint(status_bp)


def configure_sign_in(app: Flask) -> None:
    from .admin.session import init_app

    init_app(app)


def configure_errors(app: Flask) -> None:
    from .errors import register_error_handlers

    register_error_handlers(app)


def configure_microcache(app: Flask) -> None:
    from .microcache import register_microcache

    register_microcache(app)


def configure_fast_lane(app: Flask) -> None:
    from .public.fastlane import register_fast_lane

    register_fast_lane(app)


def configure_proxy(app: Flask) -> None:
    """Behind a reverse proxy, trust its X-Forwarded-* headers (``SURVEY_PROXY_HOPS``)."""
    hops = int(app.config.get("PROXY_HOPS") or 0)
    if hops:
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]  # Flask's documented way
            app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)


def configure_cli(app: Flask) -> None:
    from .cli import survey_cli

    app.cli.add_command(survey_cli)
