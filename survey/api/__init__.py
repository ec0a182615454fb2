"""The versioned JSON API (``/api/v1``): kiosks, integrations, the index."""
from flask import Blueprint

from ..extensions import csrf

bp = Blueprint("api", __name__)
csrf.exempt(bp)  # bearer tokens, not cookies: CSRF does not apply

from . import routes  # noqa: E402,F401
