"""/admin/tokens: API tokens for integrations and the index API (administrators only).

A new token is shown once, on the page that answers the form; only its hash is stored,
like ``flask survey token create``."""
from __future__ import annotations

from typing import Optional

from flask import abort, redirect, render_template, request, url_for

from ..extensions import current_session
from ..models import ApiToken
from ..services import audit
from ..services.audit import Action, Actor
from ..services.devices import tokens
from . import bp
from .device_forms import NewTokenForm, RevokeForm
from .permissions import requires, signed_in_user


def _page(form: NewTokenForm, status: int = 200, created: Optional[ApiToken] = None,
          token: Optional[str] = None):
    rows = tokens.list_api_tokens(current_session())
    revoked = request.args.get("revoked", "")
    revoked_row = next((row for row in rows if revoked.isdigit() and row.id == int(revoked)),
                       None)
    return render_template("admin/tokens.html", rows=rows, form=form, created=created,
                           token=token, revoked=None if created else revoked_row), status


@bp.get("/tokens", endpoint="tokens")
@requires("tokens.manage")
def tokens_page():
    return _page(NewTokenForm(formdata=None))


@bp.post("/tokens")
@requires("tokens.manage")
def tokens_create():
    form = NewTokenForm()
    if not form.validate():
        return _page(form, 422)
    row, token = tokens.create_api_token(current_session(), form.name.data or "")
    audit.record(current_session(), Action.TOKEN_CREATED, Actor.of(signed_in_user()),
                 object_type="api_token", object_id=row.id, detail={"name": row.name})
    current_session().commit()
    return _page(NewTokenForm(formdata=None), 201, created=row, token=token)


@bp.post("/tokens/revoke")
@requires("tokens.manage")
def tokens_revoke():
    form = RevokeForm()
    if not form.validate():
        new = NewTokenForm(formdata=None)
        new.form_errors.extend(form.id.errors)
        return _page(new, 422)
    row = current_session().get(ApiToken, form.number())
    if row is None:
        abort(404)
    tokens.revoke_api_token(current_session(), row.id)
    audit.record(current_session(), Action.TOKEN_REVOKED, Actor.of(signed_in_user()),
                 object_type="api_token", object_id=row.id)
    current_session().commit()
    return redirect(url_for("admin.tokens", lang=request.args.get("lang"), revoked=row.id),
                    code=303)
