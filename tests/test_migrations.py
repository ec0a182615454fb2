"""Alembic migrations build exactly the schema the models describe, on every backend."""
from __future__ import annotations

import os
import uuid

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade

from survey.extensions import db
from survey.models.types import UTCDateTime

from .conftest import BACKENDS, make_test_app


@pytest.fixture(params=BACKENDS)
def empty_database(request, tmp_path):
    """An empty database URL; on PostgreSQL a throw-away database of its own."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'migrated.sqlite'}"
        return
    base = os.environ["SURVEY_TEST_DATABASE_URL"]
    name = f"survey_mig_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    yield sa.make_url(base).set(database=name).render_as_string(hide_password=False)
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def compare_type(context, inspected_column, metadata_column, inspected_type, metadata_type):
    # UTCDateTime is stored as a plain DateTime; compare what it stores.
    if isinstance(metadata_type, UTCDateTime):
        return not isinstance(inspected_type, sa.DateTime)
    return None


def schema_diff() -> list:
    with db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": compare_type})
        return compare_metadata(context, db.metadata)


def test_upgrade_of_empty_database_matches_models(empty_database, tmp_path):
    app = make_test_app(empty_database, tmp_path)
    with app.app_context():
        # The comparison sees a missing schema (so it is not vacuous) ...
        assert any(op[0] == "add_table" for op in schema_diff())
        upgrade()
        # ... and no difference once every migration has run.
        assert schema_diff() == []
        downgrade(revision="base")
        with db.engine.connect() as conn:
            left = set(sa.inspect(conn).get_table_names()) - {"alembic_version"}
        assert left == set()
        db.engine.dispose()


def test_served_count_migration_keeps_the_newest_all_services_row(empty_database, tmp_path):
    """Before e704fefd0320 two "all services" rows could exist; the upgrade keeps the last."""
    app = make_test_app(empty_database, tmp_path)
    with app.app_context():
        upgrade(revision="d6879dc0b17f")
        with db.engine.begin() as conn:
            conn.execute(sa.text(
                "INSERT INTO units (id, code, kind, name_vi, name_en, active, created_at) "
                "VALUES (1, 'NA', 'province', 'Nghệ An', 'Nghe An', true, '2026-01-01')"))
            for count, period in [(10, "2026-09"), (12, "2026-09"), (7, "2026-10")]:
                conn.execute(sa.text(
                    "INSERT INTO served_counts (period, unit_id, service_id, count, imported_at) "
                    "VALUES (:period, 1, NULL, :count, '2026-11-01')"),
                    {"period": period, "count": count})
        upgrade()
        with db.engine.connect() as conn:
            rows = conn.execute(sa.text(
                "SELECT period, count FROM served_counts ORDER BY period")).all()
        assert [tuple(row) for row in rows] == [("2026-09", 12), ("2026-10", 7)]
        db.engine.dispose()
