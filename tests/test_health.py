"""/healthz answers without the database; /readyz only when the database answers and its
schema is at the migrations' head (cached a few seconds)."""
from __future__ import annotations

import pytest
import sqlalchemy as sa
from flask_migrate import upgrade

from survey import health
from survey.extensions import db
from tests.conftest import make_test_app


@pytest.fixture
def migrated(tmp_path):
    app = make_test_app(f"sqlite:///{tmp_path / 'migrated.sqlite'}", tmp_path)
    with app.app_context():
        upgrade()
        db.engine.dispose()
    yield app
    with app.app_context():
        db.engine.dispose()


def test_healthz_needs_no_database(tmp_path):
    app = make_test_app("sqlite:////nonexistent-folder/x.sqlite", tmp_path)
    res = app.test_client().get("/healthz")
    assert res.status_code == 200 and res.get_json() == {"status": "ok"}
    assert "X-Request-ID" in res.headers and "Content-Security-Policy" in res.headers


def test_ready_when_migrated_to_head(migrated):
    res = migrated.test_client().get("/readyz")
    assert res.status_code == 200, res.get_json()
    body = res.get_json()
    assert body["status"] == "ready" and body["current"] == body["head"] != []


def test_not_ready_when_a_migration_is_pending(migrated):
    with migrated.app_context():
        with db.engine.begin() as connection:
            connection.execute(sa.text("UPDATE alembic_version SET version_num = 'older'"))
        db.engine.dispose()
    res = migrated.test_client().get("/readyz")
    assert res.status_code == 503 and "Retry-After" in res.headers
    body = res.get_json()
    assert body["reason"] == "migrations_pending" and body["current"] == ["older"]


def test_not_ready_without_database(tmp_path):
    app = make_test_app("sqlite:////nonexistent-folder/x.sqlite", tmp_path)
    res = app.test_client().get("/readyz")
    assert res.status_code == 503
    assert res.get_json() == {"status": "not_ready", "reason": "database_unreachable"}


def test_readiness_is_cached(migrated, monkeypatch):
    client = migrated.test_client()
    assert client.get("/readyz").status_code == 200
    calls = []
    monkeypatch.setattr(health, "readiness", lambda: calls.append(1) or {"status": "x"})
    assert client.get("/readyz").status_code == 200  # the cached answer
    assert calls == []
    monkeypatch.setattr(health, "READY_CACHE_SECONDS", -1.0)
    assert client.get("/readyz").status_code == 503
    assert calls == [1]
