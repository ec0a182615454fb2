"""``flask survey backup``: a SQLite copy taken while responses are being written
restores into an empty database with every row intact; PostgreSQL goes to pg_dump."""
from __future__ import annotations

import os
import shutil
import sqlite3
import stat
import subprocess
import threading
import uuid

import pytest
import sqlalchemy as sa

from survey.cli import backup
from survey.extensions import db
from survey.models import Channel
from survey.services import catalogue
from survey.services.intake.responses import NewResponse, submit_response
from tests.conftest import make_test_app
from tests.support.databases import own_postgresql_database


@pytest.fixture
def live_app(tmp_path):
    """An app on a SQLite file of its own, committing for real."""
    app = make_test_app(f"sqlite:///{tmp_path / 'live.sqlite'}", tmp_path / "instance")
    with app.app_context():
        db.create_all()
        catalogue.seed_demo(db.session, versions=("questionnaire_v1.json",))
        db.session.commit()
    yield app
    with app.app_context():
        db.engine.dispose()


def write_one(app) -> str:
    with app.app_context():
        questionnaire = catalogue.current_questionnaire(db.session)
        unit = catalogue.unit_by_code(db.session, "NA-VINH-Q1")
        response_id = uuid.uuid4()
        submit_response(db.session, NewResponse(
            id=response_id, unit=unit, questionnaire=questionnaire, channel=Channel.qr,
            locale="vi", answers={code: 4 for code in questionnaire.item_codes()}))
        db.session.commit()
        db.session.remove()
    return str(response_id)


def table_rows(connection: sqlite3.Connection) -> dict[str, set[tuple]]:
    names = [row[0] for row in connection.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")]
    return {name: set(connection.execute(f'SELECT * FROM "{name}"')) for name in names}


def test_backup_during_writes_restores_every_row(live_app, tmp_path):
    written: list[str] = []
    stop, errors = threading.Event(), []

    def writer() -> None:
        try:
            while not stop.is_set() and len(written) < 400:
                written.append(write_one(live_app))
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    for _ in range(5):
        written.append(write_one(live_app))
    thread = threading.Thread(target=writer)
    thread.start()
    while len(written) < 15 and thread.is_alive():
        stop.wait(0.01)
    before = len(written)
    out = tmp_path / "backup.sqlite"
    result = live_app.test_cli_runner().invoke(args=["survey", "backup", "--out", str(out)])
    while len(written) < before + 10 and thread.is_alive():  # writes go on after it too
        stop.wait(0.01)
    stop.set()
    thread.join()
    assert errors == [] and result.exit_code == 0, result.output
    assert str(out) in result.output
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    assert not out.with_name(out.name + ".part").exists()

    restored_path = tmp_path / "restored.sqlite"
    restored = sqlite3.connect(restored_path)  # an empty database
    with sqlite3.connect(out) as copy:
        copy.backup(restored)
    assert restored.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert restored.execute("PRAGMA foreign_key_check").fetchall() == []
    source = sqlite3.connect(tmp_path / "live.sqlite")
    restored_rows, source_rows = table_rows(restored), table_rows(source)
    assert restored_rows.keys() == source_rows.keys()
    for name, rows in restored_rows.items():
        assert rows <= source_rows[name], name  # every row restored exactly as stored
    ids = {row[0] for row in restored.execute("SELECT id FROM responses")}
    assert len(ids) >= before  # everything committed before the backup is in it
    assert len(ids) < len(written) or len(written) == before
    items = len(source.execute("SELECT DISTINCT item_code FROM answers").fetchall())
    # No response without its answers: each commit is in the copy whole or not at all.
    per_response = restored.execute(
        "SELECT count(*) FROM responses r LEFT JOIN answers a ON a.response_id = r.id "
        "GROUP BY r.id").fetchall()
    assert {n for (n,) in per_response} == {items}
    restored.close()
    source.close()


def test_backup_refuses_to_overwrite_without_force(live_app, tmp_path):
    out = tmp_path / "exists.sqlite"
    out.write_text("keep me")
    runner = live_app.test_cli_runner()
    result = runner.invoke(args=["survey", "backup", "--out", str(out)])
    assert result.exit_code != 0 and out.read_text() == "keep me"
    result = runner.invoke(args=["survey", "backup", "--out", str(out), "--force"])
    assert result.exit_code == 0
    with sqlite3.connect(out) as copy:
        assert copy.execute("SELECT count(*) FROM units").fetchone()[0] > 0


def test_postgresql_without_pg_dump_prints_the_command(tmp_path, monkeypatch):
    app = make_test_app("postgresql+psycopg://survey:s3cret@db.internal:5432/survey",
                        tmp_path)
    monkeypatch.setattr(backup.shutil, "which", lambda name: None)
    result = app.test_cli_runner().invoke(
        args=["survey", "backup", "--out", str(tmp_path / "x.dump")])
    assert result.exit_code == 1
    assert "pg_dump --format=custom --no-owner --file" in result.output
    assert "postgresql://survey@db.internal:5432/survey" in result.output
    assert "s3cret" not in result.output


def test_pg_dump_gets_the_password_through_the_environment(tmp_path):
    url = sa.engine.make_url("postgresql+psycopg://survey:s3cret@127.0.0.1/survey")
    arguments, env = backup.pg_dump_command(url, tmp_path / "x.dump")
    assert env == {"PGPASSWORD": "s3cret"} and not any("s3cret" in a for a in arguments)
    assert arguments[-1] == "postgresql://survey@127.0.0.1/survey"


@pytest.mark.skipif(not (os.environ.get("SURVEY_TEST_DATABASE_URL") and
                         shutil.which("pg_dump") and shutil.which("pg_restore")),
                    reason="needs SURVEY_TEST_DATABASE_URL, pg_dump and pg_restore")
def test_postgresql_backup_restores_every_row(tmp_path):
    with own_postgresql_database("backup") as source_url, \
            own_postgresql_database("restore") as target_url:
        app = make_test_app(source_url, tmp_path / "instance")
        with app.app_context():
            db.create_all()
            catalogue.seed_demo(db.session, versions=("questionnaire_v1.json",))
            db.session.commit()
        for _ in range(5):
            write_one(app)
        out = tmp_path / "survey.dump"
        result = app.test_cli_runner().invoke(args=["survey", "backup", "--out", str(out)])
        assert result.exit_code == 0, result.output
        assert stat.S_IMODE(out.stat().st_mode) == 0o600
        with app.app_context():
            db.engine.dispose()
        target = sa.engine.make_url(target_url).set(drivername="postgresql")
        subprocess.run(["pg_restore", "--no-owner", "--exit-on-error", "--dbname",
                        target.render_as_string(hide_password=False), str(out)], check=True)
        engines = [sa.create_engine(url) for url in (source_url, target_url)]
        try:
            with engines[0].connect() as source, engines[1].connect() as restored:
                for table in db.metadata.sorted_tables:
                    rows = [sorted(repr(tuple(row)) for row in c.execute(sa.select(table)))
                            for c in (source, restored)]  # (JSON columns: not hashable)
                    assert rows[0] == rows[1], table.name
                count = restored.scalar(sa.text("SELECT count(*) FROM responses"))
                assert count == 5
        finally:
            for engine in engines:
                engine.dispose()
