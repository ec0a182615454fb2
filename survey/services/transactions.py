"""Transaction helpers that make SQLite behave like PostgreSQL where it matters."""
from __future__ import annotations

from contextlib import contextmanager
from typing import Any, Iterator, cast

from sqlalchemy import CursorResult, Result
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session


def begin_write(session: Session) -> None:
    """Make sure a real transaction is open before savepoints and writes.

    Python's sqlite3 module opens a transaction only before INSERT/UPDATE/DELETE, so a
    SAVEPOINT issued first would itself start the transaction and RELEASE would commit
    it: the caller's later rollback would then not undo the savepoint's work. On SQLite
    this opens the transaction explicitly, and IMMEDIATE takes the write lock now rather
    than failing later when a reader tries to become a writer. Other backends: no-op.
    """
    connection = session.connection()
    if connection.dialect.name != "sqlite":
        return
    raw = connection.connection.dbapi_connection
    if raw is not None and not raw.in_transaction:
        # On the driver's connection: SQLAlchemy's execution machinery costs more than
        # the statement, and this runs on every claimant's post. A locked database is
        # raised as SQLAlchemy would (OperationalError), which callers answer with a 503.
        with driver_errors(connection.dialect, "BEGIN IMMEDIATE"):
            raw.execute("BEGIN IMMEDIATE")


@contextmanager
def driver_errors(dialect: Any, statement: str) -> Iterator[None]:
    """Around a statement sent to the driver's own connection or cursor: its errors
    raised as SQLAlchemy raises them (IntegrityError, OperationalError …), which is what
    callers tell a taken receipt code or a locked database by."""
    try:
        yield
    except dialect.loaded_dbapi.Error as exc:
        raise DBAPIError.instance(statement, None, exc, dialect.loaded_dbapi.Error,
                                  dialect=dialect) from exc


def affected(result: Result[Any]) -> int:
    """How many rows an UPDATE or DELETE changed (its driver's row count)."""
    return cast(CursorResult[Any], result).rowcount or 0
