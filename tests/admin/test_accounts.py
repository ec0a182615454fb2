"""Accounts: users, grants, one-time links, deactivation, the demo admin; all audited."""
from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from survey.models import AuditEvent, Grant, PasswordToken, Role, User, utcnow
from survey.services import accounts, audit
from survey.services.accounts import users as account_users
from survey.services.accounts.passwords import verify_password
from survey.services.audit import Action
from survey.services.errors import NotFound, ServiceError

from .conftest import PASSWORD


def actions(db) -> list[str]:
    return list(db.session.scalars(sa.select(AuditEvent.action).order_by(AuditEvent.id)))


def test_create_user_stores_lower_case_grant_and_a_hashed_one_time_link(db, demo):
    user, token = accounts.create_user(db.session, "  An.Nguyen@NghеAn.gov.vn ".replace("е", "e"),
                                       "Manager", "na-vinh", audit.CLI)
    assert user.email == "an.nguyen@nghean.gov.vn" and user.password_hash is None
    assert [(g.role, g.unit.code) for g in user.grants] == [(Role.manager, "NA-VINH")]
    link = db.session.scalars(sa.select(PasswordToken)).one()
    assert token not in link.token_hash and len(link.token_hash) == 64  # only a hash
    assert link.expires_at - link.created_at == dt.timedelta(hours=24)
    assert accounts.valid_link(db.session, token) is link
    assert actions(db) == [Action.USER_CREATED, Action.GRANT_ADDED, Action.PASSWORD_LINK]
    assert all(e.actor_label == "cli" for e in db.session.scalars(sa.select(AuditEvent)))


def test_create_user_reports_every_field_and_writes_nothing(db, demo, count_rows):
    with pytest.raises(ServiceError) as refused:
        accounts.create_user(db.session, "not-an-address", "boss", "NOWHERE", audit.CLI)
    assert set(refused.value.errors) == {"email", "role", "unit"}
    assert count_rows(User) == 0 and count_rows(AuditEvent) == 0


def test_duplicate_email_and_duplicate_grant_are_refused(db, make_user):
    user = make_user("an@example.org")
    with pytest.raises(ServiceError) as duplicate:
        accounts.create_user(db.session, "AN@example.org", "viewer", "NA", audit.CLI)
    assert "email" in duplicate.value.errors
    with pytest.raises(ServiceError):
        accounts.add_grant(db.session, user, "manager", "NA-VINH", audit.CLI)
    grant = accounts.add_grant(db.session, user, "viewer", "NA", audit.CLI)
    assert grant.role is Role.viewer


def test_inactive_units_cannot_be_granted(db, make_user, demo):
    user = make_user("an@example.org")
    db.session.execute(sa.text("UPDATE units SET active = false WHERE code = 'NA-DEMO2'"))
    with pytest.raises(ServiceError) as refused:
        accounts.add_grant(db.session, user, "viewer", "NA-DEMO2", audit.CLI)
    assert "unit" in refused.value.errors


def test_set_password_uses_the_link_once_and_ends_sessions(db, make_user):
    user, token = accounts.create_user(db.session, "an@example.org", "viewer", "NA", audit.CLI)
    version = user.session_version
    with pytest.raises(ServiceError) as weak:
        accounts.set_password(db.session, token, "matkhau123")
    assert "password" in weak.value.errors and user.password_hash is None
    accounts.set_password(db.session, token, PASSWORD)
    assert verify_password(user.password_hash, PASSWORD) and PASSWORD not in user.password_hash
    assert user.session_version == version + 1 and user.password_changed_at is not None
    with pytest.raises(NotFound):
        accounts.set_password(db.session, token, "một mật khẩu khác hẳn")
    assert accounts.valid_link(db.session, token) is None


def test_links_expire_after_24_hours(db, demo):
    start = utcnow() - dt.timedelta(hours=24, seconds=1)
    _user, token = accounts.create_user(db.session, "an@example.org", "viewer", "NA",
                                        audit.CLI, now=start)
    assert accounts.valid_link(db.session, token, now=start + dt.timedelta(hours=23)) is not None
    assert accounts.valid_link(db.session, token) is None
    with pytest.raises(NotFound):
        accounts.set_password(db.session, token, PASSWORD)


def test_a_new_link_invalidates_the_earlier_ones(db, make_user):
    user = make_user("an@example.org")
    first = accounts.issue_link(db.session, user, account_users.PasswordPurpose.reset, audit.CLI)
    second = accounts.issue_link(db.session, user, account_users.PasswordPurpose.reset, audit.CLI)
    assert accounts.valid_link(db.session, first) is None
    assert accounts.valid_link(db.session, second) is not None
    accounts.set_password(db.session, second, "một mật khẩu khác hẳn")


def test_deactivation_ends_sessions_and_links(db, make_user):
    user = make_user("an@example.org")
    token = accounts.issue_link(db.session, user, account_users.PasswordPurpose.reset, audit.CLI)
    version = user.session_version
    accounts.deactivate_user(db.session, user, audit.CLI)
    assert not user.active and user.session_version == version + 1
    assert accounts.valid_link(db.session, token) is None
    with pytest.raises(ServiceError):
        accounts.issue_link(db.session, user, account_users.PasswordPurpose.reset, audit.CLI)
    account_users.activate_user(db.session, user, audit.CLI)
    assert user.active
    assert Action.USER_DEACTIVATED in actions(db) and Action.USER_ACTIVATED in actions(db)


def test_the_last_administrator_stays(db, make_user):
    first = make_user("first@example.org", "admin", "NA")
    (grant,) = first.grants
    with pytest.raises(ServiceError):
        accounts.remove_grant(db.session, first, grant.id, audit.CLI)
    with pytest.raises(ServiceError):
        accounts.deactivate_user(db.session, first, audit.CLI)
    second = make_user("second@example.org", "admin", "NA-VINH")
    accounts.remove_grant(db.session, first, grant.id, audit.CLI)
    assert first.grants == [] and db.session.get(Grant, grant.id) is None
    with pytest.raises(ServiceError):
        accounts.deactivate_user(db.session, second, audit.CLI)


def test_demo_admin_gets_a_fresh_strong_password_each_time(db, demo):
    email, password = accounts.create_demo_admin(db.session)
    user = account_users.user_by_email(db.session, email)
    assert user is not None and [g.role for g in user.grants] == [Role.admin]
    assert user.grants[0].unit.code == "NA" and len(password) >= 20
    assert verify_password(user.password_hash, password)
    again, other = accounts.create_demo_admin(db.session)
    assert again == email and other != password and len(user.grants) == 1
    assert not verify_password(user.password_hash, password)


def test_demo_admin_needs_units(db):
    with pytest.raises(ServiceError):
        accounts.create_demo_admin(db.session)
