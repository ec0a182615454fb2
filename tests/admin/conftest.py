"""Fixtures for the manager web app: cheap password hashing, users with grants, signed-in
clients and CSRF tokens."""
from __future__ import annotations

import re
import time
from typing import Optional

import pytest
from flask import g
from argon2 import PasswordHasher, profiles

from survey.admin.session import SEEN_AT, SIGNED_IN_AT
from survey.models import User
from survey.services import accounts, audit
from survey.services.accounts import passwords

#: A password the policy accepts.
PASSWORD = "ngựa vằn gặm cỏ non"
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"|value="([^"]+)"[^>]*name="csrf_token"')


@pytest.fixture(autouse=True)
def fast_hashing():
    """argon2id with the cheapest parameters: the tests hash hundreds of passwords."""
    previous = passwords.use_hasher(PasswordHasher.from_parameters(profiles.CHEAPEST))
    yield
    passwords.use_hasher(previous)


@pytest.fixture(autouse=True)
def fresh_request_state(request):
    """Test requests share the test's app context (and so ``g``), where Flask-Login keeps
    the user it loaded, Flask-WTF the CSRF token it made and Flask-Babel the language it
    chose; a server starts afresh for every request, and so must these tests."""
    if "app" not in request.fixturenames:
        return

    def forget(_exc) -> None:
        g.pop("_login_user", None)
        g.pop("csrf_token", None)
        g.pop("_flask_babel", None)
    request.getfixturevalue("app").teardown_request(forget)


@pytest.fixture
def make_user(db, demo):
    """``make_user(email, role, unit, password=PASSWORD)``: a user with one grant and,
    unless ``password`` is None, a password set through a one-time link."""
    def make(email: str, role: str = "manager", unit: str = "NA-VINH",
             password: Optional[str] = PASSWORD) -> User:
        user, token = accounts.create_user(db.session, email, role, unit, audit.CLI)
        if password is not None:
            accounts.set_password(db.session, token, password)
        db.session.commit()
        return user
    return make


def sign_in_as(client, user: User, seen_ago: float = 0, signed_in_ago: float = 0) -> None:
    """Put ``user`` in the client's session, as signing in does (without the form)."""
    now = time.time()
    with client.session_transaction() as session:
        session["_user_id"] = user.get_id()
        session["_fresh"] = True
        session[SIGNED_IN_AT] = now - signed_in_ago
        session[SEEN_AT] = now - seen_ago


def csrf_token(client, path: str = "/admin/sign-in") -> str:
    """The CSRF token of the client's session, read from a page's form."""
    html = client.get(path).get_data(as_text=True)
    found = CSRF.search(html)
    assert found, f"no CSRF token on {path}"
    return found.group(1) or found.group(2)


@pytest.fixture
def admin(make_user):
    return make_user("admin@example.org", "admin", "NA")


@pytest.fixture
def admin_client(client, admin):
    sign_in_as(client, admin)
    return client
