"""Fixtures for the feedback inbox: settings, responses that need a case (or not),
cases opened from them, and people who handle them."""
from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from survey.models import Case, Response
from survey.services.inbox import InboxSettings, open_cases, settings_from
from survey.timeutil import local_tz
from tests.support.inbox import add_response


@pytest.fixture
def settings(app) -> InboxSettings:
    return settings_from(app.config)


def local(year: int, month: int, day: int, hour: int = 9) -> dt.datetime:
    """An aware instant at ``hour`` o'clock in Vietnam."""
    return dt.datetime(year, month, day, hour, tzinfo=local_tz())


@pytest.fixture
def respond(db, demo, questionnaire):
    """``respond(unit_code, low=None, comment="", contact=False, received=None,
    reasons=(), status=valid)``: :func:`tests.support.inbox.add_response`."""
    def make(**kwargs) -> Response:
        return add_response(db.session, questionnaire, **kwargs)
    return make


@pytest.fixture
def open_case(db, respond, settings):
    """``open_case(**respond_args)``: a response and the case opened for it."""
    def make(**kwargs) -> Case:
        kwargs.setdefault("comment", "Phải chờ quá lâu")
        response = respond(**kwargs)
        open_cases(db.session, settings, full=True)  # received times may be old
        return db.session.scalars(sa.select(Case).filter_by(response_id=response.id)).one()
    return make


@pytest.fixture
def make_staff(db, demo):
    """``make_staff(email, role, unit)``: an active user with one grant (no password)."""
    from survey.services import accounts, audit

    def make(email: str, role: str = "handler", unit: str = "NA-DEMO1"):
        user, _token = accounts.create_user(db.session, email, role, unit, audit.CLI)
        db.session.flush()
        return user
    return make
