"""/admin/users: staff accounts and their grants (administrators only).

A new account's one-time set-password link, and a reset link, are shown once on the
page that answers the form (never stored, never in a redirect)."""
from __future__ import annotations

from typing import Optional

from flask import abort, current_app, redirect, render_template, request, url_for
from flask_babel import get_locale

from ..extensions import current_session
from ..models import PasswordPurpose, User
from ..services import accounts
from ..services.accounts import users as accounts_users
from ..services.audit import Actor
from ..services.catalogue.units import unit_tree
from ..services.errors import NotFound, ServiceError
from . import bp
from .forms import GrantForm, NewUserForm, add_service_errors
from .permissions import ROLE_NAMES, requires, signed_in_user


def _actor() -> Actor:
    return Actor.of(signed_in_user())


def _locale() -> str:
    return str(get_locale())


def _user(user_id: int) -> User:
    user = accounts_users.get_user(current_session(), user_id)
    if user is None:
        abort(404)
    return user


def _list_page(form: NewUserForm, status: int = 200):
    return render_template("admin/users.html", users=accounts.list_users(current_session()),
                           form=form, role_names=ROLE_NAMES), status


def _user_page(user: User, form: Optional[GrantForm] = None, link: Optional[str] = None,
               status: int = 200, created: bool = False):
    form = form or GrantForm(formdata=None).fill(unit_tree(current_session()), _locale())
    return render_template("admin/user.html", user=user, form=form, link=link,
                           created=created, role_names=ROLE_NAMES,
                           locale=_locale()), status


def _link(token: str) -> str:
    return accounts.link_url(current_app.config["PUBLIC_URL"], token)


def _back(user: User):
    return redirect(url_for("admin.users_detail", user_id=user.id,
                            lang=request.args.get("lang")), code=303)


@bp.get("/users")
@requires("users.manage")
def users():
    return _list_page(NewUserForm(formdata=None).fill(unit_tree(current_session()), _locale()))


@bp.post("/users")
@requires("users.manage")
def users_create():
    form = NewUserForm().fill(unit_tree(current_session()), _locale())
    valid = form.validate()
    # Every field's problem at once: what the service would refuse, where the form did not.
    for name, messages in accounts_users.new_user_problems(
            current_session(), form.email.data or "", form.role.data or "",
            form.unit.data or "").items():
        if not form[name].errors:
            form[name].errors = list(messages)
            valid = False
    if not valid:
        return _list_page(form, 422)
    try:
        user, token = accounts.create_user(current_session(), form.email.data or "",
                                           form.role.data or "", form.unit.data or "", _actor())
    except ServiceError as exc:
        current_session().rollback()
        add_service_errors(form, exc)
        return _list_page(form, 422)
    current_session().commit()
    return _user_page(user, link=_link(token), status=201, created=True)


@bp.get("/users/<int:user_id>")
@requires("users.manage")
def users_detail(user_id: int):
    return _user_page(_user(user_id))


@bp.post("/users/<int:user_id>/grants")
@requires("users.manage")
def users_grant(user_id: int):
    user = _user(user_id)
    form = GrantForm().fill(unit_tree(current_session()), _locale())
    if not form.validate():
        return _user_page(user, form, status=422)
    try:
        accounts.add_grant(current_session(), user, form.role.data or "", form.unit.data or "",
                           _actor())
    except ServiceError as exc:
        current_session().rollback()
        add_service_errors(form, exc)
        return _user_page(_user(user_id), form, status=422)
    current_session().commit()
    return _back(user)


def _refused(user_id: int, exc: ServiceError):
    """A change the rules refuse (the last administrator): the page again, with why."""
    current_session().rollback()
    form = GrantForm(formdata=None).fill(unit_tree(current_session()), _locale())
    form.form_errors.append(exc.message)
    return _user_page(_user(user_id), form, status=409)


@bp.post("/users/<int:user_id>/grants/<int:grant_id>/revoke")
@requires("users.manage")
def users_revoke(user_id: int, grant_id: int):
    user = _user(user_id)
    try:
        accounts.remove_grant(current_session(), user, grant_id, _actor())
    except NotFound:
        abort(404)
    except ServiceError as exc:
        return _refused(user_id, exc)
    current_session().commit()
    return _back(user)


@bp.post("/users/<int:user_id>/deactivate")
@requires("users.manage")
def users_deactivate(user_id: int):
    user = _user(user_id)
    try:
        accounts.deactivate_user(current_session(), user, _actor())
    except ServiceError as exc:
        return _refused(user_id, exc)
    current_session().commit()
    return _back(user)


@bp.post("/users/<int:user_id>/activate")
@requires("users.manage")
def users_activate(user_id: int):
    user = _user(user_id)
    accounts_users.activate_user(current_session(), user, _actor())
    current_session().commit()
    return _back(user)


@bp.post("/users/<int:user_id>/link")
@requires("users.manage")
def users_link(user_id: int):
    """A new one-time set-password link (earlier ones stop working)."""
    user = _user(user_id)
    purpose = PasswordPurpose.reset if user.password_hash else PasswordPurpose.set
    try:
        token = accounts.issue_link(current_session(), user, purpose, _actor())
    except ServiceError as exc:
        return _refused(user_id, exc)
    current_session().commit()
    return _user_page(user, link=_link(token))
