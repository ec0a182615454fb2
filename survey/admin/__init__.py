"""The manager web app under /admin: sign-in, the home page, users and grants, the audit
log. Every view declares what it needs with ``@requires`` (:mod:`.permissions`).

A new screen is a module here with its views (``@bp.get(...)`` + ``@requires(...)``),
its templates under ``templates/admin/``, an import below and, for the menu, one line
in :data:`.menu.MENU`.
"""
from flask import Blueprint

bp = Blueprint("admin", __name__)

from . import hooks  # noqa: E402,F401  (session expiry, no caching, error pages)
from . import auth, home, users, audit  # noqa: E402,F401
from . import kiosks, tokens, printing  # noqa: E402,F401
from . import units, served, questionnaires  # noqa: E402,F401
from . import inbox, cases, feedback_page  # noqa: E402,F401
from . import coverage  # noqa: E402,F401
from . import quality  # noqa: E402,F401
from . import reports  # noqa: E402,F401
from . import dashboard  # noqa: E402,F401
