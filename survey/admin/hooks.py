"""What runs around every /admin request: session expiry, no caching, the menu and
``can()`` in templates, error pages in the admin's layout."""
from __future__ import annotations

from typing import Any

from flask import render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from werkzeug.exceptions import HTTPException

from ..errors import render_error
from ..timeutil import format_local
from . import bp
from .menu import menu_items
from .permissions import can
from .session import expire_session


@bp.before_request
def check_session() -> None:
    expire_session()


@bp.after_request
def no_store(response):
    # Pages with people's roles, audit entries and one-time links: never kept by a
    # browser or a proxy, nor shown again with the back button after signing out.
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.app_context_processor
def admin_helpers() -> dict[str, Any]:
    return {"can": can, "admin_menu": menu_items, "lang_url": lang_url}


@bp.app_template_filter("local_time")
def local_time(moment) -> str:
    """``HH:MM DD/MM/YYYY`` in Vietnam's time; "-" for none."""
    return format_local(moment)


def lang_url(lang: str) -> str:
    """This page in another language (the query string kept)."""
    values: dict[str, Any] = {**(request.view_args or {}), **request.args, "lang": lang}
    return url_for(request.endpoint or "admin.home", **values)


def _messages() -> dict[int, Any]:
    return {
        400: _l("The form has expired or did not come from this site. Go back, reload the "
                "page and try again. Nothing was saved."),
        403: _l("Your roles do not allow this. Ask an administrator if you need it."),
        404: _l("This page does not exist, or it concerns units outside your roles."),
        405: _l("This address does not accept that kind of request."),
        413: _l("What was sent is too large. Nothing was saved."),
        429: _l("Too many attempts. Please wait and try again."),
    }


@bp.errorhandler(HTTPException)
def admin_error(error: HTTPException):
    code = error.code or 500
    if code >= 500:
        return render_error(error)  # the app's own page
    message = _messages().get(code) or error.description or _("Error")
    return render_template("admin/error.html", code=code, message=message), code
