"""Scope: the union of the unit subtrees of a user's grants for the roles that hold a
permission; an admin grant covers every unit."""
from __future__ import annotations

import sqlalchemy as sa

from survey.admin.permissions import PERMISSIONS
from survey.models import Role, Unit
from survey.services import accounts, audit
from survey.services.accounts.scope import Scope, subtree_ids, unit_scope


def codes(db, scope: Scope) -> set[str]:
    if scope.everything:
        return {"*"}
    return set(db.session.scalars(sa.select(Unit.code).where(Unit.id.in_(scope.unit_ids))))


def test_subtree_is_the_unit_and_everything_below(db, demo):
    demo1 = db.session.scalar(sa.select(Unit.id).filter_by(code="NA-DEMO1"))
    below = set(db.session.scalars(sa.select(Unit.code).where(
        Unit.id.in_(subtree_ids(db.session, [demo1])))))
    assert below == {"NA-DEMO1", "NA-DEMO1-Q1", "NA-DEMO1-Q2"}
    assert subtree_ids(db.session, []) == set()


def test_scope_is_the_union_of_the_grants_for_the_permissions_roles(db, make_user):
    user = make_user("an@example.org", "manager", "NA-DEMO1")
    accounts.add_grant(db.session, user, "handler", "NA-DEMO2", audit.CLI)
    accounts.add_grant(db.session, user, "manager", "NA-VINH-Q1", audit.CLI)
    kiosks = unit_scope(db.session, user, PERMISSIONS["kiosks.manage"])
    assert codes(db, kiosks) == {"NA-DEMO1", "NA-DEMO1-Q1", "NA-DEMO1-Q2", "NA-VINH-Q1"}
    inbox = unit_scope(db.session, user, PERMISSIONS["inbox.read"])
    assert codes(db, inbox) == codes(db, kiosks) | {"NA-DEMO2", "NA-DEMO2-Q1"}
    assert not unit_scope(db.session, user, PERMISSIONS["users.manage"])


def test_a_viewer_of_the_province_sees_it_all_but_is_not_everything(db, make_user):
    viewer = make_user("v@example.org", "viewer", "NA")
    scope = unit_scope(db.session, viewer, PERMISSIONS["index.read"])
    assert not scope.everything and len(codes(db, scope)) == 10
    assert not unit_scope(db.session, viewer, PERMISSIONS["inbox.read"])


def test_an_admin_grant_covers_every_unit_even_new_ones(db, make_user, make_unit):
    admin = make_user("a@example.org", "admin", "NA-DEMO2")
    other = make_unit("HT", kind="province")
    scope = unit_scope(db.session, admin, [Role.admin])
    assert scope.everything and other.id in scope
    assert db.session.scalar(sa.select(sa.func.count(Unit.id)).where(scope.where(Unit.id))) == 11


def test_where_filters_queries(db, make_user):
    manager = make_user("m@example.org", "manager", "NA-DEMO1")
    scope = unit_scope(db.session, manager, [Role.manager])
    found = set(db.session.scalars(sa.select(Unit.code).where(scope.where(Unit.id))))
    assert found == {"NA-DEMO1", "NA-DEMO1-Q1", "NA-DEMO1-Q2"}
