"""Every /admin route declares what it needs, and the authorisation matrix generated from
the permission table: every route × every role × a unit in and out of the role's scope
gives the expected answer.

The routes are read from the app's URL map when the tests are collected, so a new admin
screen joins the matrix by itself; a probe route with a unit argument stands in for the
unit screens until they exist.
"""
from __future__ import annotations

import datetime as dt
import tempfile
from dataclasses import dataclass
from typing import Optional

import pytest
from flask import Blueprint, Flask, g

from survey import create_app
from survey.admin.permissions import AUTHENTICATED, PERMISSIONS, PUBLIC, requires
from survey.models import FeedbackAction, JobKind, JobStatus, ReportJob, Role
from survey.services import accounts, audit, catalogue

from tests.support.inbox import add_case

from .conftest import sign_in_as

#: The pages anyone may open: a new one needs a deliberate change here.
PUBLIC_ENDPOINTS = {"admin.sign_in", "admin.set_password"}

probe = Blueprint("admin_probe", __name__)


@probe.route("/<unit_code>", methods=["GET", "POST"])
@requires("kiosks.manage", unit="unit_code")
def unit_page(unit_code: str):
    return f"{g.unit.code} {len(g.scope.unit_ids)}"


def undeclared(app: Flask) -> list[str]:
    """/admin endpoints that declare no permission, or take a unit code they do not check."""
    found = []
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/admin"):
            continue
        view = app.view_functions[rule.endpoint]
        permission = getattr(view, "permission", None)
        if permission not in PERMISSIONS and permission not in (PUBLIC, AUTHENTICATED):
            found.append(rule.endpoint)
        elif "unit_code" in rule.arguments and getattr(view, "unit_argument", None) != "unit_code":
            found.append(rule.endpoint)
    return found


def test_every_admin_route_declares_a_permission(app):
    assert undeclared(app) == []
    public = {rule.endpoint for rule in app.url_map.iter_rules() if rule.rule.startswith("/admin")
              and app.view_functions[rule.endpoint].permission == PUBLIC}
    assert public == PUBLIC_ENDPOINTS


def test_the_check_finds_a_route_without_a_declaration(tmp_path):
    app = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", "SECRET_KEY": "x",
                      "INSTANCE_PATH": str(tmp_path)})
    app.add_url_rule("/admin/forgotten", "forgotten", lambda: "open to all")
    unchecked = Blueprint("unchecked", __name__)
    unchecked.add_url_rule("/<unit_code>", "unit", requires("index.read")(lambda unit_code: ""))
    app.register_blueprint(unchecked, url_prefix="/admin/unchecked")
    assert sorted(undeclared(app)) == ["forgotten", "unchecked.unit"]


def test_the_table_says_what_the_issue_says():
    """The matrix checks that views follow the table; this checks the table itself."""
    def roles(*names: str) -> frozenset[Role]:
        return frozenset(Role(name) for name in names)
    assert PERMISSIONS == {
        "index.read": roles("admin", "manager", "viewer"),
        "reports.read": roles("admin", "manager", "viewer"),
        "reports.submit": roles("admin", "manager"),
        "reports.approve": roles("admin"),
        "microdata.read": roles("admin", "viewer"),
        "inbox.read": roles("admin", "manager", "handler"),
        "inbox.handle": roles("admin", "manager", "handler"),
        "contacts.read": roles("admin", "manager", "handler"),
        "kiosks.manage": roles("admin", "manager"),
        "posters.print": roles("admin", "manager"),
        "questionnaires.read": roles("admin", "manager"),
        "coverage.read": roles("admin", "manager", "viewer"),
        # Issue 17: a manager reviews flagged responses and restores them.
        "quality.review": roles("admin", "manager"),
        # Issue 14: a manager opts a unit's public page in and approves quotes.
        "feedback_page.manage": roles("admin", "manager"),
        **{name: roles("admin") for name in (
            "units.manage", "tokens.manage", "questionnaires.manage", "served.import",
            "coverage.import", "users.manage", "audit.read")},
    }


def test_unknown_permissions_are_refused_at_import():
    with pytest.raises(ValueError):
        requires("everything.do")
    with pytest.raises(ValueError):
        requires(PUBLIC, unit="unit_code")


# --- the matrix -------------------------------------------------------------------------

@dataclass(frozen=True)
class Route:
    path: str
    method: str
    endpoint: str
    permission: str
    unit_argument: Optional[str]
    arguments: tuple[str, ...]

    def __str__(self) -> str:
        return f"{self.method} {self.path}"


def admin_routes() -> list[Route]:
    """Every /admin route but the public ones, with the probe, from a throw-away app."""
    app = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", "SECRET_KEY": "x",
                      "INSTANCE_PATH": tempfile.mkdtemp(prefix="matrix-")})
    app.register_blueprint(probe, url_prefix="/admin/probe")
    routes = []
    for rule in app.url_map.iter_rules():
        view = app.view_functions[rule.endpoint]
        if not rule.rule.startswith("/admin") or view.permission == PUBLIC:
            continue
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            routes.append(Route(rule.rule, method, rule.endpoint, view.permission,
                                view.unit_argument, tuple(sorted(rule.arguments))))
    return sorted(routes, key=str)


ROUTES = admin_routes()
ROLES: list[Optional[Role]] = [None, *Role]  # None: not signed in
#: The acting user's grant, and the unit named in the URL: inside its subtree or not.
WHERE = {"in": ("NA-DEMO1", "NA-DEMO1-Q1"), "out": ("NA-DEMO1", "NA-DEMO2-Q1")}


def expected(route: Route, role: Optional[Role], where: str) -> str:
    """What the permission table says: sign-in, 403, 404 or allowed."""
    if role is None:
        return "sign-in"
    if route.permission == AUTHENTICATED:
        return "allowed"
    if role not in PERMISSIONS[route.permission]:
        return "403"
    # A case of the inbox belongs to a unit: outside the scope, as a unit's own page.
    scoped = route.unit_argument or "case_id" in route.arguments
    if scoped and where == "out" and role is not Role.admin:
        return "404"
    return "allowed"


def test_the_matrix_covers_the_probe_and_every_screen():
    assert {route.endpoint for route in ROUTES} >= {
        "admin.home", "admin.sign_out", "admin.users", "admin.users_create", "admin.audit",
        "admin.inbox", "admin.inbox_case", "admin.inbox_contact", "admin_probe.unit_page"}


@pytest.fixture
def matrix_app(app):
    app.config["WTF_CSRF_ENABLED"] = False  # the matrix is about permissions, not CSRF
    app.register_blueprint(probe, url_prefix="/admin/probe")
    return app


def url_for_case(route: Route, target, unit_code: str, case_id: int = 0,
                 action_id: int = 0, job_id: int = 0) -> str:
    values = {"unit_code": unit_code, "user_id": target.id, "grant_id": target.grants[0].id,
              "version": 1, "case_id": case_id, "action_id": action_id, "job_id": job_id}
    path = route.path
    for argument in route.arguments:
        if argument not in values:
            pytest.fail(f"{route}: the matrix needs a value for <{argument}>")
        path = path.replace(f"<int:{argument}>", str(values[argument])) \
                   .replace(f"<{argument}>", str(values[argument]))
    return path


@pytest.mark.parametrize("where", sorted(WHERE))
@pytest.mark.parametrize("role", ROLES, ids=lambda role: role.value if role else "anonymous")
@pytest.mark.parametrize("route", ROUTES, ids=str)
def test_authorisation_matrix(matrix_app, db, demo, make_user, route, role, where):
    granted, unit_code = WHERE[where]
    target = make_user("target@example.org", "manager", "NA-VINH")
    client = matrix_app.test_client()
    if role is not None:
        actor = make_user(f"{role.value}@example.org", role.value, granted)
        if role is not Role.admin:  # the last administrator may not be deactivated
            make_user("other-admin@example.org", "admin", "NA")
        sign_in_as(client, actor)
    # A feedback case at the unit named (its parent's counter for the probe's units).
    case = add_case(db.session, matrix_app.config, unit=unit_code)
    # An entry of the unit's public feedback page.
    action = FeedbackAction(unit_id=case.unit_id, done_on=dt.date(2026, 12, 1), text="Sửa mái",
                            created_by="cli")
    db.session.add(action)
    # A finished report job of the unit named.
    job = ReportJob(unit_id=catalogue.unit_by_code(db.session, unit_code).id,
                    period="2026-Q3", kind=JobKind.generate, status=JobStatus.done,
                    requested_by="cli", progress=100, step="done", step_detail="")
    db.session.add(job)
    db.session.commit()
    answer = client.open(url_for_case(route, target, unit_code, case.id, action.id, job.id),
                         method=route.method)
    want = expected(route, role, where)
    if want == "sign-in":
        assert answer.status_code == 302 and answer.location.startswith("/admin/sign-in")
    elif want in ("403", "404"):
        assert answer.status_code == int(want)
    elif route.method == "GET":
        assert answer.status_code == 200
    else:  # an empty form: refused as bad input, or done; never forbidden nor sent to sign in
        assert answer.status_code in (200, 201, 303, 409, 422), answer.status_code


# --- CSRF on every form -----------------------------------------------------------------

POSTS = [route for route in ROUTES if route.method == "POST"
         and not route.endpoint.startswith("admin_probe.")]


@pytest.mark.parametrize("route", POSTS, ids=str)
def test_every_admin_form_refuses_a_missing_or_forged_csrf_token(app, db, client, admin, make_user,
                                                                 count_rows, route):
    from survey.models import AuditEvent, CaseEvent, Grant, User

    target = make_user("target@example.org", "manager", "NA-VINH")
    sign_in_as(client, admin)
    case = add_case(db.session, app.config, contact=True)
    path = url_for_case(route, target, "NA-VINH", case.id)
    before = count_rows(User), count_rows(Grant), count_rows(AuditEvent), count_rows(CaseEvent)
    for token in ({}, {"csrf_token": "forged"}):
        answer = client.post(path, data={"email": "new@example.org", "role": "viewer",
                                         "unit": "NA", **token})
        assert answer.status_code == 400, answer.status_code
    assert (count_rows(User), count_rows(Grant), count_rows(AuditEvent),
            count_rows(CaseEvent)) == before
    assert target.active and case.status.value == "new"


def test_public_forms_refuse_a_missing_csrf_token_too(client, db, demo, count_rows):
    from survey.models import AuditEvent

    _user, token = accounts.create_user(db.session, "n@example.org", "viewer", "NA", audit.CLI)
    db.session.commit()
    before = count_rows(AuditEvent)
    for path in ("/admin/sign-in", f"/admin/password/{token}"):
        assert client.post(path, data={"email": "n@example.org", "password": "x" * 12,
                                       "confirm": "x" * 12}).status_code == 400
    assert count_rows(AuditEvent) == before
