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
