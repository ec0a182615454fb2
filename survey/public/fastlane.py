"""The claimant's form page and its post, in the common case, without Flask's request cycle.

A claimant's submission is three requests: the form page, the post, the thank-you page.
The thank-you page is kept whole for a second (:mod:`survey.microcache`). The form page
and the post cannot be kept: each claimant gets a new submission id, and each post is
stored. Their views already do little (a kept page with two values filled in; a few
checks and one durable insert), so Flask's own cycle around them (request and
application contexts, routing, the request object, hooks, the response object) had become
a third of their cost (docs/performance.md).

This WSGI middleware answers the two in front of Flask when the request is the common
case, calling the same functions as the views in :mod:`.routes` (the kept page, the
token, :func:`~.routes.read_post`, :func:`~.routes.claimant_response`, :func:`~.routes.save`)
inside an application context (for the app's configuration, caches and database
session). Everything else goes to Flask unchanged, which answers it as always:

- other paths, methods other than GET and POST, any cookie (a manager trying the form),
  a mount under a prefix (``SCRIPT_NAME``), a NUL in the query;
- a unit, counter or questionnaire that is not found, or codes with characters other
  than letters, digits, ``-``, ``_`` and ``.``;
- a form page not rendered yet by this worker (Flask renders and keeps it);
- a post that is not ``application/x-www-form-urlencoded`` with a length, is longer
  than :data:`MAX_BODY`, is not UTF-8, or that the quick check does not accept: tampered
  fields, a stale token, missing answers, contact details (the bound form decides and
  renders its errors, as before);
- any error, the database's included: nothing was stored (the transaction is rolled
  back) and Flask runs the request again from the same body, answering the honest 503
  page or the error as it would have. A post the fast lane counted against the per-client
  limits is not counted twice (:data:`~.routes.COUNTED`).

What it sends is what Flask would have sent: the same status, headers (security headers,
``Vary``, ``X-Request-ID``) and body. ``tests/public/test_fastlane.py`` sends the same
requests with the fast lane on and off and compares them, and the rows stored. It keeps
the request metric, the stored and flagged counters, and with JSON logs the access line.
``SURVEY_FAST_LANE=0`` turns it off.
"""
from __future__ import annotations

import io
import re
import time
from functools import lru_cache
from typing import Any, Callable, Iterable, Optional
from urllib.parse import parse_qsl, urlencode

from flask import Flask
from werkzeug.datastructures import ImmutableMultiDict
from werkzeug.http import parse_accept_header
from werkzeug.utils import redirect

from .. import choose_locale
from ..errors import DATABASE_UNAVAILABLE
from ..extensions import current_session
from ..forms.survey_form import body_is_utf8
from ..headers import FIXED, policy_for
from ..models import Channel
from ..observability import answered_outside_flask
from ..services.catalogue import parse_version, snapshot
from ..services.errors import ServiceError

#: ``/s/<unit>`` and ``/s/<unit>/<counter>`` with plain codes only.
PATH = re.compile(r"/s/([A-Za-z0-9_.-]+)(?:/([A-Za-z0-9_.-]+))?")
CODE = re.compile(r"[A-Za-z0-9_.-]+")
FORM_TYPE = "application/x-www-form-urlencoded"
#: Larger posts go to Flask (the form's whole post is under 2 KB; a comment at its
#: limit of 2,000 characters, all Vietnamese and percent-encoded, about 18 KB).
MAX_BODY = 32 * 1024
ENDPOINT = "public.survey"
RULES = ("/s/<unit_code>", "/s/<unit_code>/<counter_code>")
#: Errors Flask answers and logs when it takes the request over (nothing was stored).
HANDED = (ServiceError, *DATABASE_UNAVAILABLE)
#: Flask's answers vary on these (Flask-Compress's, then the session's).
VARY = "Accept-Encoding, Cookie"
#: The security headers of the form's pages, after the view's own.
FIXED_HEADERS = [(name, value) for name, _lower, value in FIXED]


class FastLane:
    def __init__(self, app: Flask, wsgi_app: Callable[..., Iterable[bytes]],
                 json_logs: bool = False):
        self.app = app
        self.wsgi_app = wsgi_app
        self.json_logs = json_logs
        self.policy = policy_for("/s/", "text/html")
        #: Requests answered here, and handed to Flask after a look (for tests and
        #: docs/performance.md; plain counters, per worker).
        self.served = 0
        self.handed = 0

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        method = environ.get("REQUEST_METHOD")
        if method not in ("GET", "POST") or environ.get("HTTP_COOKIE") or \
                environ.get("SCRIPT_NAME"):
            return self.wsgi_app(environ, start_response)
        match = PATH.fullmatch(environ.get("PATH_INFO", ""))
        if match is None or match[2] == "thanks":
            return self.wsgi_app(environ, start_response)
        started = time.perf_counter()
        try:
            answer = (self._get(environ, match) if method == "GET"
                      else self._post(environ, match))
        except HANDED:  # Flask answers these (the 503 page, a 409/422) and logs them
            answer = None
        except Exception:  # a fault of the lane's own: Flask answers, and it is logged
            self.app.logger.exception("fast lane: handed over after an error")
            answer = None
        if answer is None:
            self.handed += 1
            return self.wsgi_app(environ, start_response)
        self.served += 1
        status, headers, body = answer
        return self._send(environ, start_response, method, status, headers, body, started,
                          match)

    # -- the form page ------------------------------------------------------------------

    def _get(self, environ: dict, match: re.Match) -> Optional[tuple]:
        from .routes import _known_service, form_page_key, kept_form_page

        query = _query(environ)
        if query is None:
            return None
        args = _args(query)
        with self.app.app_context():
            cat = snapshot.current(current_session)
            unit = self._unit(cat, match)
            questionnaire = cat.current
            if unit is None or questionnaire is None:
                return None
            locale = self._locale(args.get("lang"), None, environ)
            key = form_page_key(cat, unit, f"{environ['PATH_INFO']}?{query}", locale,
                                questionnaire, None)
            kept = kept_form_page(key, questionnaire, _known_service(cat, args.get("svc"), None),
                                  _gzip_ok(environ.get("HTTP_ACCEPT_ENCODING")))
        if kept is None:
            return None
        body, extra = kept
        headers = [("Content-Encoding", extra["Content-Encoding"])] if extra else []
        headers += [("Vary", VARY), ("Content-Type", "text/html; charset=utf-8"),
                    ("Content-Length", str(len(body)))]
        return "200 OK", headers, body

    # -- the post -----------------------------------------------------------------------

    def _post(self, environ: dict, match: re.Match) -> Optional[tuple]:
        from .routes import (COUNTED, claimant_response, feedback_reference, read_post, save,
                             submission_limiter)

        if environ.get("CONTENT_TYPE", "").split(";", 1)[0].strip().lower() != FORM_TYPE:
            return None
        try:
            length = int(environ.get("CONTENT_LENGTH") or "")
        except ValueError:
            return None
        max_length = self.app.config.get("MAX_CONTENT_LENGTH")
        if not 0 < length <= MAX_BODY or (max_length is not None and length > max_length):
            return None
        query = _query(environ)
        if query is None:
            return None
        try:
            body = environ["wsgi.input"].read(length)
        except OSError:  # the client went away mid-body: Flask answers as it would
            body = b""
        # From here on, Flask must read the same body if it takes the request over.
        environ["wsgi.input"] = io.BytesIO(body)
        environ.pop("wsgi.input_terminated", None)
        if len(body) != length or not body_is_utf8(body):
            return None
        form = ImmutableMultiDict(parse_qsl(body.decode(), keep_blank_values=True,
                                            errors="werkzeug.url_quote"))
        args = _args(query)
        with self.app.app_context():
            cat = snapshot.current(current_session)
            unit = self._unit(cat, match)
            if unit is None or (cat.current is None and cat.questionnaire(
                    parse_version(form.get("version"))) is None):
                return None
            post = read_post(cat, form, None)
            if post.quick is None:
                return None
            locale = self._locale(args.get("lang"), form.get("lang"), environ)
            quick = post.quick
            new = claimant_response(cat, unit, post.questionnaire, post.items, Channel.qr,
                                    locale, post.submission_id, quick.answers, quick.service,
                                    quick.comment, None, quick.reasons)
            flag = submission_limiter().check(environ.get("REMOTE_ADDR") or "unknown",
                                              unit.id)
            environ[COUNTED] = flag  # if Flask takes over from here: counted once
            try:
                save(new, flag)
            except Exception:
                current_session().rollback()
                raise
            ref = feedback_reference(new)
        if not CODE.fullmatch(unit.code) or (ref is not None and not CODE.fullmatch(ref)):
            # Stored, but these codes would need the router's quoting in the address of
            # the thank-you page (never with today's codes): Flask finds the response
            # stored and answers the same 303.
            return None
        environ.pop(COUNTED, None)
        params = [("lang", locale)] + ([("ref", ref)] if ref is not None else [])
        return _see_other(f"/s/{unit.code}/thanks?{urlencode(params)}")

    # -- shared -------------------------------------------------------------------------

    def _unit(self, cat: snapshot.Catalogue, match: re.Match) -> Any:
        unit = cat.unit(match[1])
        if unit is not None and match[2]:
            unit = cat.counter(unit, match[2])
        return unit

    def _locale(self, asked: Optional[str], form_lang: Optional[str], environ: dict) -> str:
        return choose_locale(self.app.config, asked or form_lang,
                             environ.get("HTTP_ACCEPT_LANGUAGE", ""))

    def _send(self, environ: dict, start_response: Callable, method: str, status: str,
              headers: list, body: bytes, started: float, match: re.Match) -> Iterable[bytes]:
        request_id = answered_outside_flask(environ, ENDPOINT, method, int(status[:3]),
                                            started, self.json_logs,
                                            rule=RULES[bool(match[2])])
        start_response(status, [*headers, ("Content-Security-Policy", self.policy),
                                *FIXED_HEADERS, ("X-Request-ID", request_id)])
        return [body]


def _see_other(location: str) -> tuple:
    """Flask's ``redirect(location, code=303)``, as status, headers and body."""
    response = redirect(location, code=303)
    body = response.get_data()
    return ("303 SEE OTHER", [("Content-Type", "text/html; charset=utf-8"),
                              ("Content-Length", str(len(body))), ("Location", location),
                              ("Vary", VARY)], body)


def _query(environ: dict) -> Optional[str]:
    """The query string as werkzeug decodes it, or None when Flask should see it (not
    UTF-8, or a NUL the app refuses)."""
    raw = environ.get("QUERY_STRING", "")
    if "%00" in raw or "\x00" in raw:
        return None
    try:
        return raw.encode("latin-1").decode()
    except UnicodeError:
        return None


def _args(query: str) -> ImmutableMultiDict:
    return ImmutableMultiDict(parse_qsl(query, keep_blank_values=True,
                                        errors="werkzeug.url_quote"))


@lru_cache(maxsize=256)
def _gzip_ok(header: Optional[str]) -> bool:
    return bool(parse_accept_header(header)["gzip"])


def register_fast_lane(app: Flask) -> None:
    """Put the fast lane in front of the app (inside ProxyFix, so that the client's
    address is the forwarded one, as for Flask)."""
    from ..observability import log_format

    if not app.config.get("FAST_LANE", True):
        return
    lane = FastLane(app, app.wsgi_app, json_logs=log_format(app.config) == "json")
    app.extensions["survey.fast_lane"] = lane
    app.wsgi_app = lane  # type: ignore[method-assign]  # Flask's documented way
