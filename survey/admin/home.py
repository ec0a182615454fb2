"""/admin/: who you are, your roles, and what they let you do."""
from __future__ import annotations

from flask import render_template, request
from flask_babel import get_locale
from flask_login import current_user

from . import bp
from .permissions import AUTHENTICATED, DESCRIPTIONS, PERMISSIONS, ROLE_NAMES, requires, scope_for


@bp.get("/")
@requires(AUTHENTICATED)
def home():
    allowed = [(name, DESCRIPTIONS[name], scope_for(name)) for name in PERMISSIONS
               if scope_for(name)]
    return render_template("admin/home.html", user=current_user, allowed=allowed,
                           role_names=ROLE_NAMES, locale=str(get_locale()),
                           welcome=request.args.get("welcome") == "1")
