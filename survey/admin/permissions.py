"""Who may do what in /admin: one table of permissions → roles, and the decorator every
admin view declares.

A user holds a permission over the union of the unit subtrees of their grants whose
role is listed for it (an admin grant covers every unit). ``@requires("kiosks.manage",
unit="unit_code")`` on a view:

- anonymous → 302 to the sign-in page (and back afterwards);
- no grant with a role that holds the permission → 403;
- ``unit`` names the URL argument with a unit code: a code outside the scope, or no
  such unit → 404 (so that other units' existence is not revealed);
- otherwise the view runs with ``g.scope`` (a :class:`Scope`) and, with ``unit``,
  ``g.unit``.

``requires(PUBLIC)`` and ``requires(AUTHENTICATED)`` are for the pages everyone, or
every signed-in user, may open; a test fails if an /admin view declares nothing.
"""
from __future__ import annotations

import functools
from typing import Any, Callable, Optional, TypeVar

from flask import abort, g, redirect, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from ..extensions import current_session
from ..models import Role, User
from ..services import catalogue
from ..services.accounts.scope import NOTHING, Scope, unit_scope

A, M, V, H = Role.admin, Role.manager, Role.viewer, Role.handler

#: Permission → the roles that hold it. The only place that says who may do what.
PERMISSIONS: dict[str, frozenset[Role]] = {
    "index.read": frozenset({A, M, V}),
    "reports.read": frozenset({A, M, V}),
    "reports.submit": frozenset({A, M}),
    "reports.approve": frozenset({A}),
    "microdata.read": frozenset({A, V}),
    "inbox.read": frozenset({A, M, H}),
    "inbox.handle": frozenset({A, M, H}),
    "contacts.read": frozenset({A, M, H}),
    "feedback_page.manage": frozenset({A, M}),
    "kiosks.manage": frozenset({A, M}),
    "posters.print": frozenset({A, M}),
    "units.manage": frozenset({A}),
    "tokens.manage": frozenset({A}),
    "questionnaires.manage": frozenset({A}),
    "questionnaires.read": frozenset({A, M}),
    "served.import": frozenset({A}),
    "coverage.read": frozenset({A, M, V}),
    "coverage.import": frozenset({A}),
    "users.manage": frozenset({A}),
    "audit.read": frozenset({A}),
    "quality.review": frozenset({A, M}),
}

#: What each permission lets a person do, as the home page says it.
DESCRIPTIONS: dict[str, Any] = {
    "index.read": _l("See the satisfaction index"),
    "reports.read": _l("See and download reports"),
    "reports.submit": _l("Generate reports and submit them for approval"),
    "reports.approve": _l("Approve reports or return them for correction"),
    "microdata.read": _l("Download anonymous microdata for analysis"),
    "inbox.read": _l("Read feedback from claimants"),
    "inbox.handle": _l("Handle feedback from claimants"),
    "contacts.read": _l("See the contact details claimants left for a reply"),
    "feedback_page.manage": _l("Publish a unit's page of feedback and what was done"),
    "kiosks.manage": _l("Add and revoke kiosks"),
    "posters.print": _l("Print QR posters and receipt slips"),
    "units.manage": _l("Manage units and counters"),
    "tokens.manage": _l("Manage API tokens"),
    "questionnaires.manage": _l("Publish questionnaire versions"),
    "questionnaires.read": _l("See the questionnaire versions"),
    "served.import": _l("Import the numbers of claimants served"),
    "coverage.read": _l("See the coverage targets (counselling, job referral, placement)"),
    "coverage.import": _l("Import the case software's monthly coverage counts"),
    "users.manage": _l("Manage users and their roles"),
    "audit.read": _l("Read the audit log"),
    "quality.review": _l("Review flagged responses and restore them to the index"),
}

ROLE_NAMES: dict[Role, Any] = {
    Role.admin: _l("Administrator"),
    Role.manager: _l("Manager"),
    Role.viewer: _l("Viewer"),
    Role.handler: _l("Feedback handler"),
}

#: Declared by the sign-in and set-password pages: no account needed.
PUBLIC = "public"
#: Declared by pages every signed-in user may open (home, sign-out).
AUTHENTICATED = "authenticated"

F = TypeVar("F", bound=Callable[..., Any])


def scope_for(permission: str, user: Optional[User] = None) -> Scope:
    """The units over which the user (default: the signed-in one) holds ``permission``;
    computed once per request for each set of roles."""
    user = user if user is not None else _signed_in()
    if user is None:
        return NOTHING
    cache = g.setdefault("_admin_scopes", {})
    key = (user.id, PERMISSIONS[permission])
    if key not in cache:
        cache[key] = unit_scope(current_session(), user, PERMISSIONS[permission])
    return cache[key]


def can(permission: str) -> bool:
    """Whether the signed-in user holds ``permission`` over at least one unit."""
    return bool(scope_for(permission))


def _signed_in() -> Optional[User]:
    user = current_user._get_current_object()
    return user if isinstance(user, User) else None


def signed_in_user() -> User:
    """The signed-in user, in a view that requires one."""
    user = _signed_in()
    if user is None:
        abort(401)
    return user


def sign_in_redirect():
    """To the sign-in page, which comes back here afterwards (for a page, not a form)."""
    back = request.full_path.rstrip("?") if request.method == "GET" else None
    expired = 1 if g.get("session_expired") else None
    return redirect(url_for("admin.sign_in", next=back, lang=request.args.get("lang"),
                            expired=expired))


def requires(permission: str, unit: Optional[str] = None) -> Callable[[F], F]:
    """Declare (and enforce) what a view needs; see the module's docstring."""
    if permission not in PERMISSIONS and permission not in (PUBLIC, AUTHENTICATED):
        raise ValueError(f"unknown permission {permission!r}")
    if unit is not None and permission in (PUBLIC, AUTHENTICATED):
        raise ValueError("a unit argument needs a permission")

    def decorate(view: F) -> F:
        @functools.wraps(view)
        def guarded(*args: Any, **kwargs: Any) -> Any:
            if permission == PUBLIC:
                return view(*args, **kwargs)
            if _signed_in() is None:
                return sign_in_redirect()
            if permission != AUTHENTICATED:
                _check(permission, unit, kwargs)
            return view(*args, **kwargs)

        guarded.permission = permission  # type: ignore[attr-defined]
        guarded.unit_argument = unit  # type: ignore[attr-defined]
        return guarded  # type: ignore[return-value]
    return decorate


def _check(permission: str, unit: Optional[str], kwargs: dict[str, Any]) -> None:
    scope = scope_for(permission)
    if not scope:
        abort(403)
    g.scope = scope
    if unit is not None:
        found = catalogue.unit_by_code(current_session(), str(kwargs[unit]), active_only=False)
        if found is None or found.id not in scope:
            abort(404)
        g.unit = found
