"""Bearer-token checks shared by the API views."""
from __future__ import annotations

from functools import wraps

from flask import g, jsonify, request
from flask_babel import gettext as _

from ..extensions import db
from ..services import tokens


def bearer_token() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _sep, value = header.partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        return None
    return value.strip()


def unauthorized(message: str):
    response = jsonify(error="unauthorized", message=message)
    response.status_code = 401
    response.headers["WWW-Authenticate"] = 'Bearer realm="survey"'
    return response


def require_api_token(view):
    """Allow the view only with a valid API token (``flask survey token create``)."""
    @wraps(view)
    def wrapped(*args, **kwargs):
        token = bearer_token()
        row = tokens.find_api_token(db.session, token) if token else None
        if row is None:
            return unauthorized(_("A valid API token is required (Authorization: Bearer …)."))
        g.api_token = row
        return view(*args, **kwargs)
    return wrapped


def require_device(view):
    """Allow the view only with a paired, unrevoked kiosk's device token."""
    @wraps(view)
    def wrapped(*args, **kwargs):
        token = bearer_token()
        device = tokens.find_device(db.session, token) if token else None
        if device is None:
            return unauthorized(_("This kiosk is not paired or its token was revoked."))
        g.device = device
        return view(*args, **kwargs)
    return wrapped
