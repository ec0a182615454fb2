"""Error pages in the visitor's language; problem details (JSON) under /api/."""
from __future__ import annotations


import sqlalchemy as sa
from flask import Flask, current_app, render_template, request
from flask_babel import gettext as _
from werkzeug.exceptions import HTTPException, InternalServerError, ServiceUnavailable

#: Seconds a client is asked to wait (``Retry-After``) when the database cannot be reached.
RETRY_AFTER_SECONDS = 30
#: What a database that cannot be reached (down, restarting, out of connections, locked
#: for longer than the busy timeout) raises: the request failed, the service did not.
DATABASE_UNAVAILABLE = (sa.exc.OperationalError, sa.exc.InterfaceError, sa.exc.TimeoutError)


def _messages() -> dict[int, str]:
    return {
        400: _("The request could not be understood. Nothing was saved."),
        401: _("Sign-in or a valid token is required."),
        403: _("You are not allowed to do this."),
        404: _("This page does not exist. Check the code on the poster or receipt."),
        405: _("This address does not accept that kind of request."),
        409: _("This could not be saved because it conflicts with what is already stored."),
        413: _("What was sent is too large. Nothing was saved."),
        415: _("Send JSON with Content-Type: application/json."),
        422: _("Some of what was sent is not valid. Nothing was saved."),
        429: _("Too many attempts. Please wait a minute and try again."),
        500: _("Something went wrong on our side. Nothing was lost; please try again."),
        503: _("The service is unavailable for a moment. What was sent has not been saved "
               "yet; please try again in a minute."),
    }


def wants_json() -> bool:
    return request.path.startswith("/api/")


def render_error(error: HTTPException):
    if wants_json():  # the API answers problem details (RFC 9457), see survey/api/errors.py
        from .api.errors import http_problem

        return http_problem(error)
    code = error.code or 500
    message = _messages().get(code, error.description)
    # Headers Werkzeug attaches (Allow on 405, Retry-After on 503) are kept.
    headers = {name: value for name, value in error.get_headers()
               if name.lower() != "content-type"}
    try:
        return render_template("errors/error.html", code=code, message=message), code, headers
    except Exception:  # the error page itself failed: never answer with a traceback
        current_app.logger.exception("error page failed")
        headers["Content-Type"] = "text/plain; charset=utf-8"
        return f"{code} {message}", code, headers


def answer_problem(problem):
    """A problem raised by an API view (survey/api/errors.py)."""
    return problem.response()


def database_unavailable(error: Exception):
    """503 with ``Retry-After`` (the page or the API's problem), never a 500: nothing of
    the request was stored, and saying so is honest. Logged without the statement or its
    parameters, which may hold what a claimant typed."""
    from .extensions import db

    try:
        db.session.rollback()
    except Exception:  # the connection is gone: there is nothing to roll back
        pass
    cause = getattr(error, "orig", None) or error
    current_app.logger.error("database unavailable: %s: %s", type(cause).__name__,
                             str(cause).splitlines()[0][:200] if str(cause) else "")
    return render_error(ServiceUnavailable(retry_after=RETRY_AFTER_SECONDS))


def register_error_handlers(app: Flask) -> None:
    from .api.errors import ApiProblem

    app.register_error_handler(HTTPException, render_error)
    app.register_error_handler(ApiProblem, answer_problem)
    for kind in DATABASE_UNAVAILABLE:
        app.register_error_handler(kind, database_unavailable)

    @app.errorhandler(Exception)
    def unexpected(error: Exception):
        app.logger.exception("unhandled error")
        return render_error(InternalServerError())
