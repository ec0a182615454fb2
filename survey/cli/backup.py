"""``flask survey backup --out FILE``: a consistent copy of the database while it runs.

SQLite: SQLite's online backup API copies the whole database in one step from a
snapshot: in write-ahead-log mode claimants and kiosks keep writing meanwhile and the
copy holds exactly what was committed when it began. The copy is written next to FILE,
checked (``PRAGMA integrity_check``), made readable by the owner only and then renamed
to FILE, so FILE is never half-written. Restore: stop the app, put the copy in place of
``survey.sqlite`` (and remove any ``survey.sqlite-wal`` and ``-shm`` beside it), start.

PostgreSQL: the command runs ``pg_dump --format=custom`` when ``pg_dump`` is installed
(the password goes through the environment, never the command line), and otherwise
prints the ``pg_dump`` command to run and exits with status 1. Restore with
``pg_restore --clean --no-owner -d DATABASE FILE``.
"""
from __future__ import annotations

import os
import shlex
import shutil
import sqlite3
import subprocess
from pathlib import Path

import click
import sqlalchemy as sa
from flask_babel import gettext as _

from ..extensions import db


@click.command("backup")
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="File to write the backup to.")
@click.option("--force", is_flag=True, help="Replace FILE if it exists.")
def backup_command(out: Path, force: bool) -> None:
    """Back up the database to FILE while the app keeps running."""
    if out.exists() and not force:
        raise click.ClickException(_("%(path)s already exists; add --force to replace it.",
                                     path=str(out)))
    url = db.engine.url
    if url.get_backend_name() == "sqlite":
        tables, size = backup_sqlite(sqlite_path(url), out)
        click.echo(_("Backed up %(tables)s tables (%(size)s bytes) to %(path)s.",
                     tables=tables, size=size, path=str(out)))
    elif url.get_backend_name() == "postgresql":
        backup_postgresql(url, out)
    else:
        raise click.ClickException(_("No backup method for the %(backend)s database.",
                                     backend=url.get_backend_name()))


def sqlite_path(url: sa.engine.URL) -> Path:
    database = url.database or ""
    if database in ("", ":memory:") or database.startswith("file:"):
        raise click.ClickException(_("The database is in memory: there is nothing to back "
                                     "up."))
    return Path(database)


def backup_sqlite(source: Path, out: Path) -> tuple[int, int]:
    """Copy ``source`` to ``out`` with the online backup API; returns (tables, bytes)."""
    if not source.exists():
        raise click.ClickException(_("The database file %(path)s does not exist.",
                                     path=str(source)))
    part = out.with_name(out.name + ".part")
    part.unlink(missing_ok=True)
    os.close(os.open(part, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    # A writer holding the lock for a moment must not fail the backup at once.
    src = sqlite3.connect(source, timeout=30)
    dst = sqlite3.connect(part)
    try:
        with dst:
            src.backup(dst)  # one step: a snapshot, however much is written meanwhile
        check = dst.execute("PRAGMA integrity_check").fetchone()[0]
        tables = dst.execute("SELECT count(*) FROM sqlite_master WHERE type = 'table'"
                             ).fetchone()[0]
    finally:
        src.close()
        dst.close()
    if check != "ok":
        part.unlink(missing_ok=True)
        raise click.ClickException(_("The copy failed its integrity check: %(result)s",
                                     result=check))
    os.replace(part, out)
    return tables, out.stat().st_size


def pg_dump_command(url: sa.engine.URL, out: Path) -> tuple[list[str], dict[str, str]]:
    """The ``pg_dump`` arguments for ``url`` and the environment holding its password."""
    plain = sa.engine.URL.create("postgresql", username=url.username, host=url.host,
                                 port=url.port, database=url.database, query=url.query)
    arguments = ["pg_dump", "--format=custom", "--no-owner", "--file", str(out),
                 "--dbname", plain.render_as_string(hide_password=False)]
    env = {"PGPASSWORD": url.password} if url.password else {}
    return arguments, {key: str(value) for key, value in env.items()}


def backup_postgresql(url: sa.engine.URL, out: Path) -> None:
    arguments, env = pg_dump_command(url, out)
    if shutil.which("pg_dump") is None:
        shown = " ".join(shlex.quote(a) for a in arguments)
        if env:
            shown = "PGPASSWORD=... " + shown
        click.echo(_("pg_dump is not installed here. Run this where it is:"), err=True)
        click.echo(shown)
        raise SystemExit(1)
    result = subprocess.run(arguments, env={**os.environ, **env}, check=False)
    if result.returncode != 0:
        raise click.ClickException(_("pg_dump failed with status %(status)s.",
                                     status=result.returncode))
    os.chmod(out, 0o600)
    click.echo(_("Backed up the PostgreSQL database to %(path)s.", path=str(out)))
