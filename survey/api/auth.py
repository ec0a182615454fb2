"""Bearer-token checks shared by the API views."""
from __future__ import annotations

from functools import wraps

from flask import current_app, g, request
from flask_babel import gettext as _

from ..errors import DATABASE_UNAVAILABLE
from ..extensions import current_session
from ..services.devices import tokens
from .errors import unauthorized


def bearer_token() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _sep, value = header.partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        return None
    return value.strip()


def _record_use(found) -> None:
    """Commit what the lookup noted (an API token's ``last_used_at``) before the view
    runs, so that read-only operations record it too and a refused request still counts
    as a use. A database too busy for that write must not fail the request itself."""
    session = current_session()
    if not session.is_modified(found):
        return
    try:
        session.commit()
    except DATABASE_UNAVAILABLE as exc:
        session.rollback()
        current_app.logger.warning("token use not recorded: %s", type(exc).__name__)


def _require(lookup, message, attribute: str, scheme: str):
    """A decorator allowing a view only when ``lookup(session, token)`` finds something,
    which is then kept as ``g.<attribute>``; otherwise a 401 problem. ``scheme`` names the
    token in the OpenAPI description."""
    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            token = bearer_token()
            found = lookup(current_session(), token) if token else None
            if found is None:
                return unauthorized(message())
            setattr(g, attribute, found)
            _record_use(found)
            return view(*args, **kwargs)
        wrapped.api_security = scheme
        return wrapped
    return decorator


#: Allow the view only with a valid API token (``flask survey token create``).
require_api_token = _require(
    tokens.find_api_token,
    lambda: _("A valid API token is required (Authorization: Bearer …)."), "api_token",
    "apiToken")

#: Allow the view only with a paired, unrevoked kiosk's device token.
require_device = _require(
    tokens.find_device,
    lambda: _("This kiosk is not paired or its token was revoked."), "device",
    "kioskToken")
