"""Signing in and out, and setting a password from a one-time link."""
from __future__ import annotations

from typing import Optional
from urllib.parse import urlsplit

from flask import g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..extensions import current_session
from ..services import accounts, audit
from ..services.audit import Action, Actor
from ..services.errors import ServiceError
from . import bp
from .forms import SetPasswordForm, SignInForm, add_service_errors
from .permissions import AUTHENTICATED, PUBLIC, requires, scope_for, signed_in_user
from .session import client_address, end_session, sign_in_limiter, start_session


def safe_next(target: Optional[str], landing: str = "admin.home") -> str:
    """Where to go after signing in: a path inside /admin, never another site; else the
    ``landing`` page."""
    if target:
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc and parts.path.startswith("/admin/") \
                and not target.startswith("//") and "\\" not in target:
            return target
    return url_for(landing, lang=request.args.get("lang"))


def landing_page(user) -> str:
    """The dashboard for those who may read the index, the home page for the others."""
    return "admin.dashboard" if scope_for("index.read", user) else "admin.home"


def _sign_in_page(form: SignInForm, status: int = 200, headers: Optional[dict] = None):
    expired = g.get("session_expired", False) or request.args.get("expired") == "1"
    return render_template("admin/sign_in.html", form=form, expired=expired), status, \
        headers or {}


@bp.route("/sign-in", methods=["GET", "POST"])
@requires(PUBLIC)
def sign_in():
    form = SignInForm()
    if request.method == "GET":
        if current_user.is_authenticated:
            return redirect(safe_next(request.args.get("next"), landing_page(current_user)))
        form.next.data = request.args.get("next", "")
        return _sign_in_page(form)
    if not form.validate():
        return _sign_in_page(form, 422)
    limiter = sign_in_limiter()
    result = accounts.sign_in(current_session(), limiter, form.email.data or "",
                              form.password.data or "", client_address())
    current_session().commit()
    if result.throttled:
        minutes = max(1, round(limiter.window / 60))
        form.form_errors.append(_("Too many failed attempts. Wait %(minutes)s minutes and "
                                  "try again.", minutes=minutes))
        return _sign_in_page(form, 429, {"Retry-After": str(limiter.window)})
    if result.user is None:
        form.password.errors = [_("The e-mail address or the password is not right.")]
        return _sign_in_page(form, 401)
    start_session(result.user)
    return redirect(safe_next(form.next.data, landing_page(result.user)), code=303)


@bp.post("/sign-out")
@requires(AUTHENTICATED)
def sign_out():
    user = signed_in_user()
    audit.record(current_session(), Action.SIGN_OUT, Actor.of(user), object_type="user",
                 object_id=user.id)
    current_session().commit()
    end_session()
    return redirect(url_for("admin.sign_in", lang=request.args.get("lang")), code=303)


@bp.route("/password/<token>", methods=["GET", "POST"])
@requires(PUBLIC)
def set_password(token: str):
    """The page a one-time link opens. Opening it changes nothing (link previews in chat
    apps open links too); only sending the form uses it up."""
    link = accounts.valid_link(current_session(), token)
    if link is None:
        return render_template("admin/link_invalid.html"), 404
    form = SetPasswordForm()
    if request.method == "GET" or not form.validate():
        status = 200 if request.method == "GET" else 422
        return render_template("admin/set_password.html", form=form, link=link), status
    try:
        user = accounts.set_password(current_session(), token, form.password.data or "")
    except ServiceError as exc:
        current_session().rollback()
        if "password" not in exc.errors:
            return render_template("admin/link_invalid.html"), 404
        add_service_errors(form, exc)
        return render_template("admin/set_password.html", form=form, link=link), 422
    current_session().commit()
    start_session(user)
    return redirect(url_for("admin.home", lang=request.args.get("lang"), welcome=1), code=303)
