"""SQLite, the zero-set-up database, set up so that readers never make a writer fail."""
from __future__ import annotations

import sqlalchemy as sa

from survey.extensions import db
from survey.models import Unit, utcnow

from ..conftest import make_test_app


def test_a_long_read_does_not_block_a_submission(tmp_path):
    # A short lock timeout, so that a blocked write fails fast instead of after 5 s.
    app = make_test_app(f"sqlite:///{tmp_path / 'wal.sqlite'}", tmp_path,
                        SQLALCHEMY_ENGINE_OPTIONS={"connect_args": {"timeout": 0.5}})
    with app.app_context():
        db.create_all()
        with db.engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        reader = db.engine.connect()
        reader.exec_driver_sql("BEGIN")  # e.g. an index over a year of answers, still running
        assert reader.exec_driver_sql("SELECT count(*) FROM units").scalar() == 0

        db.session.execute(sa.insert(Unit), [{
            "code": "NA", "kind": "province", "name_vi": "Nghệ An", "name_en": "Nghe An",
            "active": True, "created_at": utcnow()}])
        db.session.commit()  # with a rollback journal: "database is locked"

        # The reader goes on with the snapshot it started with; new readers see the write.
        assert reader.exec_driver_sql("SELECT count(*) FROM units").scalar() == 0
        reader.rollback()
        reader.close()
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Unit)) == 1
        db.session.remove()
        db.engine.dispose()
