"""Extension objects, bound to an app in the factory."""
from __future__ import annotations

import sqlite3
from typing import TYPE_CHECKING

import sqlalchemy as sa
from flask_babel import Babel
from flask import request
from flask_compress import Compress as _Compress
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect
from sqlalchemy.orm import DeclarativeBase, Session

# Stable constraint names so that Alembic can alter them on every backend.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


@sa.event.listens_for(sa.Engine, "connect")
def _sqlite_pragmas(dbapi_connection, _record) -> None:
    """Make SQLite behave like PostgreSQL where it matters, for every new connection.

    - Foreign keys: SQLite ignores them unless asked. (Migrations switch them off while
      they rebuild tables; see migrations/env.py.)
    - Write-ahead log: readers and the writer no longer block each other, so a long
      index query cannot make a claimant's submission fail with "database is locked".
      (An in-memory database answers "memory" and stays as it is.)
    """
    if isinstance(dbapi_connection, sqlite3.Connection):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.close()


class Base(DeclarativeBase):
    metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)


db = SQLAlchemy(model_class=Base)

if TYPE_CHECKING:
    #: What models subclass: ``db.Model`` at run time (Flask-SQLAlchemy's binding to the
    #: app), seen by the type checker as the typed declarative base it derives from.
    Model = Base
else:
    Model = db.Model


def current_session() -> Session:
    """The current request's (or CLI command's) session, typed as SQLAlchemy's own
    ``Session``: what views and commands pass to services (``db.session`` is the
    scoped-session proxy, which is not a ``Session``)."""
    return db.session()

migrate = Migrate()
babel = Babel()
csrf = CSRFProtect()


class Compress(_Compress):
    """Flask-Compress, minding codings the client refuses.

    Flask-Compress reads ``Accept-Encoding: gzip;q=0`` as a choice of gzip and
    compresses; RFC 9110 (12.5.3) says q=0 means "not acceptable". Here a response is
    left as it is when the client gives none of the enabled codings a quality above 0
    (werkzeug's reading of the header, ``*`` included); the ``Vary`` header is added as
    Flask-Compress adds it."""

    def after_request(self, response):
        if response is not None and "Content-Encoding" not in response.headers and not any(
                request.accept_encodings[coding] for coding in self.enabled_algorithms):
            vary = response.headers.get("Vary")
            if not vary:
                response.headers["Vary"] = "Accept-Encoding"
            elif "accept-encoding" not in vary.lower():
                response.headers["Vary"] = f"{vary}, Accept-Encoding"
            return response
        return super().after_request(response)


compress = Compress()
login_manager = LoginManager()
