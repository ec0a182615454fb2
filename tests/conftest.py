"""Shared fixtures: an app per backend, a rolled-back transaction per test, factories.

Every test that uses ``app`` runs on SQLite and, when ``SURVEY_TEST_DATABASE_URL`` is
set (CI sets it to the local PostgreSQL), on PostgreSQL too.

Isolation: per backend, one connection stays inside an outer transaction that is never
committed. Each test's ``db.session`` is bound to it with
``join_transaction_mode="create_savepoint"``, so a ``db.session.commit()`` in the code
under test only releases a savepoint, and the test's own savepoint is rolled back when
it ends. Shared data (:data:`SHARED_DATA`: the demo catalogue ``demo``, the index tests'
``seeded`` responses) is built once into savepoints of its own below the tests' and
kept for as long as consecutive tests ask for it; a test that does not ask for it sees
empty tables.

Tests that need real commits (threads, a second connection, ``db.engine``, SQLite's own
transaction handling) are marked ``@pytest.mark.real_commits``: the shared connection
is closed for them, what they commit is committed, and every table is emptied after.
"""
from __future__ import annotations

import os
import re
import urllib.parse
import uuid
from typing import Any, Callable

import jinja2
import jinja2.bccache
import pytest
import sqlalchemy as sa
from flask.globals import app_ctx
from flask_sqlalchemy.session import Session as FlaskSession
from sqlalchemy.orm import Session

from survey import create_app
from survey.extensions import db as _db
from survey.services import catalogue

BACKENDS = ["sqlite"] + (["postgresql"] if os.environ.get("SURVEY_TEST_DATABASE_URL") else [])
REAL_COMMITS = "real_commits"


def _worker_databases(worker: str) -> None:
    """Under pytest-xdist each worker gets a PostgreSQL database and a Redis database of
    its own (the suite empties and rebuilds them), named after the configured ones:
    ``test`` → ``test_gw0``. Set in the environment, so that the servers a test starts
    (gunicorn) and the databases it derives (``own_postgresql_database``) follow."""
    url = os.environ.get("SURVEY_TEST_DATABASE_URL")
    if url:
        base = sa.engine.make_url(url)
        name = f"{base.database}_{worker}"
        admin = sa.create_engine(base.set(database="postgres"), isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            exists = connection.execute(sa.text("SELECT 1 FROM pg_database WHERE datname = :n"),
                                        {"n": name}).first()
            if not exists:
                connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
        admin.dispose()
        os.environ["SURVEY_TEST_DATABASE_URL"] = base.set(database=name).render_as_string(
            hide_password=False)
    redis_url = os.environ.get("SURVEY_TEST_REDIS_URL")
    if redis_url:
        index = int(re.sub(r"\D", "", worker) or 0)
        parts = urllib.parse.urlsplit(redis_url)
        first = int(parts.path.strip("/") or 0)
        os.environ["SURVEY_TEST_REDIS_URL"] = urllib.parse.urlunsplit(
            parts._replace(path=f"/{(first - index) % 16}"))


def pytest_configure(config) -> None:
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if worker:
        _worker_databases(worker)
    config.addinivalue_line(
        "markers", f"{REAL_COMMITS}: commits for real (threads, a second connection, "
        "db.engine); tables are emptied after the test instead of rolled back")


class TemplateCodeCache(jinja2.BytecodeCache):
    """Compiled templates kept in memory for every app of the test run: each test has
    an app of its own, and compiling the templates again for each took longer than
    most tests. Keyed by template name and source checksum, as Jinja's own caches."""

    def __init__(self) -> None:
        self.code: dict[str, bytes] = {}

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        if bucket.key in self.code:
            bucket.bytecode_from_string(self.code[bucket.key])

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        self.code[bucket.key] = bucket.bytecode_to_string()


TEMPLATE_CODE = TemplateCodeCache()


def make_test_app(database_url: str, instance_path, **extra):
    config = {"TESTING": True, "SQLALCHEMY_DATABASE_URI": database_url,
              "SECRET_KEY": "test-secret", "INSTANCE_PATH": str(instance_path),
              "PUBLIC_URL": "http://survey.test",
              # Changes made by a test are seen by its next request (tested apart:
              # tests/public/test_page_cache.py).
              "CATALOGUE_CHECK_SECONDS": 0,
              # Report jobs run in the request that files them (tested apart too:
              # tests/reports/test_jobs.py starts the real thread).
              "REPORT_JOBS_INLINE": True}
    config.update(extra)
    app = create_app(config)
    app.jinja_env.bytecode_cache = TEMPLATE_CODE
    return app


def transactional_engine(url: str) -> sa.Engine:
    """An engine whose transactions and savepoints are real on every backend.

    pysqlite opens transactions on its own (only before writes) and so breaks
    savepoints; here it is told to keep out (``isolation_level=None``) and SQLAlchemy
    emits BEGIN itself. The app's ``begin_write`` then sees a transaction already open.
    """
    engine = sa.create_engine(url)
    if engine.dialect.name == "sqlite":
        @sa.event.listens_for(engine, "connect")
        def _no_driver_transactions(dbapi_connection, _record) -> None:
            dbapi_connection.isolation_level = None

        @sa.event.listens_for(engine, "begin")
        def _begin(connection) -> None:
            connection.exec_driver_sql("BEGIN")
    return engine


#: Data that tests share: fixture name → builder(session) → the fixture's value. Each is
#: built once into a savepoint of its own, below the tests' savepoints, and kept for as
#: long as consecutive tests ask for it (a test that does not ask for it does not see
#: it). Built in this order, so a builder may rely on those before it; conftests of
#: test packages add their own (``tests/index/conftest.py``: ``seeded``).
SHARED_DATA: dict[str, Callable[[Session], Any]] = {}


def _seed_demo(session: Session):
    # Questionnaire v1 only: most tests answer every item; v2 (matrix sampling) has its
    # own fixture, ``questionnaire_v2``.
    catalogue.seed_demo(session, versions=("questionnaire_v1.json",))
    return catalogue


SHARED_DATA["demo"] = _seed_demo


class SharedConnection:
    """One backend's connection in an outer transaction that is never committed.

    Savepoints inside it: one per item of :data:`SHARED_DATA` in use (a "layer"), then
    one per test, rolled back when the test ends.
    """

    def __init__(self, url: str):
        self.engine = transactional_engine(url)
        self.connection: sa.Connection | None = None
        self.layers: list[tuple[str, sa.NestedTransaction, Any]] = []

    def begin_test(self, wanted: list[str]) -> sa.NestedTransaction:
        """Open (or reuse) the connection, keep, drop or build the layers so that they
        are exactly ``wanted``, and begin the test's savepoint. Needs an app context."""
        if self.connection is None:
            self.connection = self.engine.connect()
            self.connection.begin()
        keep = 0
        while keep < min(len(self.layers), len(wanted)) and \
                self.layers[keep][0] == wanted[keep]:
            keep += 1
        while len(self.layers) > keep:
            self.layers.pop()[1].rollback()
        for name in wanted[keep:]:
            savepoint = self.connection.begin_nested()
            with Session(bind=self.connection, join_transaction_mode="create_savepoint") \
                    as session:
                value = SHARED_DATA[name](session)
                session.commit()
            self.layers.append((name, savepoint, value))
        return self.connection.begin_nested()

    def value(self, name: str) -> Any:
        """The value of the layer ``name``; KeyError when it is not built."""
        for layer, _savepoint, value in self.layers:
            if layer == name:
                return value
        raise KeyError(name)

    def end_test(self, savepoint: sa.NestedTransaction) -> None:
        """Undo the test's work; on any trouble start afresh (the outer rollback undoes
        everything, and the next test opens a new connection and rebuilds the layers)."""
        try:
            if savepoint.is_active:
                savepoint.rollback()
            innermost = self.layers[-1][1] if self.layers else None
            if self.connection is None or self.connection.get_nested_transaction() \
                    is not innermost:
                raise RuntimeError("savepoints left open")
        except Exception:
            self.close()

    def close(self) -> None:
        connection, self.connection, self.layers = self.connection, None, []
        if connection is not None:
            try:
                connection.rollback()
            finally:
                connection.close()

    def dispose(self) -> None:
        self.close()
        self.engine.dispose()


class JoinedSession(FlaskSession):
    """Flask-SQLAlchemy's session, bound to the shared connection whatever the model."""

    def get_bind(self, mapper=None, clause=None, bind=None, **kwargs):
        return bind if bind is not None else self.bind


def joined_scoped_session(app, connection: sa.Connection) -> sa.orm.scoped_session:
    """What replaces ``db.session`` during a test: one session per app context (as
    Flask-SQLAlchemy's own); those of the test's ``app`` join the test's transaction
    through savepoints, those of any other app a test builds use that app's database."""
    joined = sa.orm.sessionmaker(class_=JoinedSession, db=_db, bind=connection,
                                 join_transaction_mode="create_savepoint",
                                 query_cls=_db.Query)
    plain = sa.orm.sessionmaker(class_=FlaskSession, db=_db, query_cls=_db.Query)

    def session() -> Session:
        return joined() if app_ctx.app is app else plain()
    return sa.orm.scoped_session(session, scopefunc=lambda: id(app_ctx._get_current_object()))


@pytest.fixture(scope="session", params=BACKENDS)
def database_url(request, tmp_path_factory):
    """A database with the current schema, created once per backend."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('sqlite')}/test.sqlite"
    else:
        url = os.environ["SURVEY_TEST_DATABASE_URL"]
    app = make_test_app(url, tmp_path_factory.mktemp("instance"))
    with app.app_context():
        _db.drop_all()
        _db.create_all()
        _db.engine.dispose()
    return url


@pytest.fixture(scope="session")
def shared_connection(database_url):
    shared = SharedConnection(database_url)
    yield shared
    shared.dispose()


@pytest.fixture
def app(request, database_url, shared_connection, tmp_path):
    app = make_test_app(database_url, tmp_path)
    with app.app_context():
        if request.node.get_closest_marker(REAL_COMMITS):
            shared_connection.close()  # nothing uncommitted may hold a lock meanwhile
            yield app
            _db.session.remove()
            with _db.engine.begin() as conn:
                for table in reversed(_db.metadata.sorted_tables):
                    conn.execute(table.delete())
        else:
            savepoint = shared_connection.begin_test(
                [name for name in SHARED_DATA if name in request.fixturenames])
            original, _db.session = _db.session, joined_scoped_session(
                app, shared_connection.connection)
            try:
                yield app
            finally:
                for session in reversed(list(_db.session.registry.registry.values())):
                    session.close()  # every app context's, the latest (innermost) first
                _db.session = original
                shared_connection.end_test(savepoint)
        _db.engine.dispose()


@pytest.fixture
def db(app):
    return _db


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def shared_data(request, app, shared_connection):
    """``get(name)``: the value of :data:`SHARED_DATA` ``name`` for this test; built in
    the test's own session (and committed) when there is no layer for it (tests marked
    ``real_commits``, or a fixture asked for on the fly)."""
    def get(name: str) -> Any:
        if not request.node.get_closest_marker(REAL_COMMITS):
            try:
                return shared_connection.value(name)
            except KeyError:
                pass
        value = SHARED_DATA[name](_db.session)
        _db.session.commit()
        return value
    return get


@pytest.fixture
def demo(shared_data):
    """Services, questionnaire v1 and the Nghệ An demo units."""
    return shared_data("demo")


@pytest.fixture
def questionnaire(demo, db):
    return catalogue.current_questionnaire(db.session)


@pytest.fixture
def questionnaire_v2(demo, db):
    """Questionnaire v2 (matrix sampling, facts) published on top of v1: the current one."""
    version = catalogue.load_questionnaire(db.session, catalogue.read_data("questionnaire_v2.json"))
    db.session.commit()
    return version


@pytest.fixture
def questionnaire_v3(questionnaire_v2, db):
    """Questionnaire v3 (v2 plus the optional coverage items, kind ``need``, asked of
    the claimants of the matching services) published on top of v2: the current one."""
    version = catalogue.load_questionnaire(db.session, catalogue.read_data("questionnaire_v3.json"))
    db.session.commit()
    return version


@pytest.fixture
def make_unit(db):
    def make(code: str, parent=None, kind: str = "counter", name: str | None = None):
        from survey.models import Unit, UnitKind

        unit = Unit(code=code.upper(), parent=parent, kind=UnitKind(kind),
                    name_vi=name or f"Đơn vị {code}", name_en=name or f"Unit {code}")
        db.session.add(unit)
        db.session.flush()
        return unit
    return make


@pytest.fixture
def make_response(db, questionnaire):
    """Store one response through the service layer; answers default to all 4s."""
    from survey.models import Channel
    from survey.services.intake.responses import NewResponse, submit_response

    def make(unit, service=None, answers=None, channel=Channel.qr, submitted_at=None,
             **kwargs):
        if answers is None:
            answers = {code: 4 for code in questionnaire.item_codes()}
        response, _ = submit_response(db.session, NewResponse(
            id=kwargs.pop("id", None) or uuid.uuid4(), unit=unit, questionnaire=questionnaire,
            channel=channel, locale=kwargs.pop("locale", "vi"), answers=answers,
            service=service, submitted_at=submitted_at, **kwargs))
        return response
    return make


HIDDEN = re.compile(r'<input[^>]*name="(csrf_token|submission_id|version)"[^>]*value="([^"]*)"')


def hidden_fields(html: str) -> dict[str, str]:
    """csrf_token, submission_id and version from a rendered survey form."""
    return {name: value for name, value in HIDDEN.findall(html)}


@pytest.fixture
def count_rows(db):
    def count(model) -> int:
        return db.session.scalar(sa.select(sa.func.count()).select_from(model))
    return count
