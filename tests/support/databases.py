"""PostgreSQL databases of a test's own, beside the suite's (which it empties and rebuilds
without migrations): for live servers and restores."""
from __future__ import annotations

import os
import uuid
from contextlib import contextmanager
from typing import Iterator

import pytest
import sqlalchemy as sa


@contextmanager
def own_postgresql_database(suffix: str) -> Iterator[str]:
    """The URL of a new, empty database next to SURVEY_TEST_DATABASE_URL's, dropped
    afterwards. The suite's PostgreSQL user may create databases (CI runs as root with
    trust authentication): failing to is an error of the set-up, reported as such."""
    base = sa.engine.make_url(os.environ["SURVEY_TEST_DATABASE_URL"])
    name = f"{base.database}_{suffix}_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(base.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    except sa.exc.DBAPIError as exc:
        admin.dispose()
        pytest.fail(f"cannot create a PostgreSQL database: {exc}")
    try:
        yield base.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
