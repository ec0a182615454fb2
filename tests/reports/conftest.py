"""Fixtures for the report tests: the index tests' seeded responses (about 120 in
2026-Q3 over four units) and the report built from them once per test."""
from __future__ import annotations

import pytest

from survey.services.reporting.index import configured
from survey.services.reports.build import ReportQuery, build_report
from survey.services.reports.model import Header
from tests.index.conftest import seeded, tree  # noqa: F401  (fixtures)


@pytest.fixture
def report(app, db, seeded):  # noqa: F811
    return build_report(db.session, ReportQuery("2026-Q3", "NA", configured(app.config)))


@pytest.fixture
def header():
    return Header(version=1, status="bản nháp", receiver="Sở Nội vụ", prepared_by="cli",
                  software="test")


@pytest.fixture
def people(db, seeded):  # noqa: F811
    """Actors of two signed-in people: a centre manager who prepares and submits, and a
    province administrator who approves (four eyes)."""
    from survey.services import accounts
    from survey.services.audit import CLI, Actor

    made = {}
    for name, role, unit in (("manager", "manager", "NA"), ("approver", "admin", "NA")):
        user, _token = accounts.create_user(db.session, f"{name}@example.org", role, unit, CLI)
        made[name] = Actor.of(user)
    db.session.flush()
    return made
