"""Shared fixtures: an app per backend, a clean database per test, factories.

Every test that uses ``app`` runs on SQLite and, when ``SURVEY_TEST_DATABASE_URL`` is
set (CI sets it to the local PostgreSQL), on PostgreSQL too.
"""
from __future__ import annotations

import os
import re
import uuid

import pytest
import sqlalchemy as sa

from survey import create_app
from survey.extensions import db as _db
from survey.services import catalogue

BACKENDS = ["sqlite"] + (["postgresql"] if os.environ.get("SURVEY_TEST_DATABASE_URL") else [])


def make_test_app(database_url: str, instance_path, **extra):
    config = {"TESTING": True, "SQLALCHEMY_DATABASE_URI": database_url,
              "SECRET_KEY": "test-secret", "INSTANCE_PATH": str(instance_path),
              "PUBLIC_URL": "http://survey.test"}
    config.update(extra)
    return create_app(config)


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


@pytest.fixture
def app(database_url, tmp_path):
    app = make_test_app(database_url, tmp_path)
    with app.app_context():
        yield app
        _db.session.remove()
        with _db.engine.begin() as conn:
            for table in reversed(_db.metadata.sorted_tables):
                conn.execute(table.delete())
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
def demo(db):
    """Services, questionnaire v1 and the Nghệ An demo units."""
    catalogue.seed_demo(db.session)
    db.session.commit()
    return catalogue


@pytest.fixture
def questionnaire(demo, db):
    return catalogue.current_questionnaire(db.session)


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
