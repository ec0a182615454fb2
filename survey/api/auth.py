"""Bearer-token checks shared by the API views."""
from __future__ import annotations

from functools import wraps

from flask import g, jsonify, request
from flask_babel import gettext as _

from ..extensions import db
from ..services.devices import tokens


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


def _require(lookup, message, attribute: str):
    """A decorator allowing a view only when ``lookup(session, token)`` finds something,
    which is then kept as ``g.<attribute>``."""
    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            token = bearer_token()
            found = lookup(db.session, token) if token else None
            if found is None:
                return unauthorized(message())
            setattr(g, attribute, found)
            return view(*args, **kwargs)
        return wrapped
    return decorator


#: Allow the view only with a valid API token (``flask survey token create``).
require_api_token = _require(
    tokens.find_api_token,
    lambda: _("A valid API token is required (Authorization: Bearer …)."), "api_token")

#: Allow the view only with a paired, unrevoked kiosk's device token.
require_device = _require(
    tokens.find_device,
    lambda: _("This kiosk is not paired or its token was revoked."), "device")
