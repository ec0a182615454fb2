"""Problem details (RFC 9457) for every error under ``/api/``: one shape, translated.

Every error answer of the API is ``application/problem+json``::

    {"type": "/api/v1/docs#problem-validation_failed", "title": "...", "status": 422,
     "detail": "...", "code": "validation_failed", "message": "...",
     "errors": {"/count": ["..."]}, "error_codes": {"/count": ["out_of_range"]}}

``code`` is the stable machine code (English); ``title`` and ``detail`` are in the
request's language (``?lang=``, then Accept-Language, then Vietnamese). ``message`` repeats
``detail`` for kiosk clients released before this shape. Validation errors add ``errors``
(field → messages) and ``error_codes`` (field → machine codes): a field is a JSON pointer
into the body (``/unit``) or the name of a query parameter (``period``). See docs/api.md.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable, Mapping, Optional

from flask import Response, current_app, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from werkzeug.exceptions import HTTPException

PROBLEM_JSON = "application/problem+json"


@dataclass(frozen=True)
class ProblemType:
    """One kind of problem: its machine code, HTTP status, title and usual detail."""

    code: str
    status: int
    title: Any
    detail: Any


PROBLEM_TYPES: dict[str, ProblemType] = {p.code: p for p in [
    ProblemType("bad_request", 400, _l("Bad request"),
                _l("The request could not be understood. Nothing was saved.")),
    ProblemType("invalid_text", 400, _l("Invalid text"),
                _l("The request contains text that is not valid Unicode. Nothing was "
                   "saved.")),
    ProblemType("malformed_json", 400, _l("Malformed JSON"),
                _l("The request body is not valid JSON. Nothing was saved.")),
    ProblemType("not_an_object", 400, _l("Not a JSON object"),
                _l("The request body must be a JSON object. Nothing was saved.")),
    ProblemType("unauthorized", 401, _l("Not authorized"),
                _l("Sign-in or a valid token is required.")),
    ProblemType("forbidden", 403, _l("Forbidden"), _l("You are not allowed to do this.")),
    ProblemType("not_found", 404, _l("Not found"),
                _l("The API has no such address. The list of operations is at /api/v1/docs.")),
    ProblemType("invalid_code", 404, _l("Unknown pairing code"),
                _l("This pairing code is wrong, already used or expired. Ask the IT officer "
                   "for a new one.")),
    ProblemType("no_questionnaire", 404, _l("No questionnaire"),
                _l("No questionnaire has been published yet.")),
    ProblemType("method_not_allowed", 405, _l("Method not allowed"),
                _l("This address does not accept that kind of request.")),
    ProblemType("conflict", 409, _l("Conflict"),
                _l("This could not be done because it conflicts with what is already "
                   "stored.")),
    ProblemType("payload_too_large", 413, _l("Request too large"),
                _l("What was sent is too large. Nothing was saved.")),
    ProblemType("batch_too_large", 413, _l("Batch too large"),
                _l("Too many responses were sent at once. Nothing was saved.")),
    ProblemType("unsupported_media_type", 415, _l("Unsupported media type"),
                _l("Send JSON with Content-Type: application/json.")),
    ProblemType("validation_failed", 422, _l("Invalid data"),
                _l("Some of what was sent is not valid. Nothing was saved.")),
    ProblemType("all_rejected", 422, _l("No response stored"),
                _l("None of the responses could be stored; see the errors of each one.")),
    ProblemType("too_many_requests", 429, _l("Too many requests"),
                _l("Too many attempts. Please wait a minute and try again.")),
    ProblemType("internal_error", 500, _l("Server error"),
                _l("Something went wrong on our side. Nothing was lost; please try again.")),
    ProblemType("service_unavailable", 503, _l("Service unavailable"),
                _l("The database cannot be reached for the moment. Nothing was saved; "
                   "try again after the time in Retry-After.")),
]}

#: The problem type an HTTP error of each status becomes when no view chose one.
BY_STATUS = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
             405: "method_not_allowed", 409: "conflict", 413: "payload_too_large",
             415: "unsupported_media_type", 422: "validation_failed",
             429: "too_many_requests", 500: "internal_error", 503: "service_unavailable"}

FieldErrors = Mapping[str, Iterable[tuple[str, str]]]


def problem_type_uri(code: str) -> str:
    """Where a problem type is explained: its entry on the API docs page."""
    try:
        return url_for("api.docs", _anchor=f"problem-{code}")
    except Exception:  # the docs route is missing (an app without the API): still a URI
        return f"/api/v1/docs#problem-{code}"


class ApiProblem(Exception):
    """Raise in an API view to answer with a problem; ``extensions`` become extra members.

    ``fields`` maps a field (JSON pointer or query parameter) to ``(machine code,
    message)`` pairs; it fills ``errors`` and ``error_codes``.
    """

    def __init__(self, code: str, detail: Optional[str] = None, *,
                 fields: Optional[FieldErrors] = None, status: Optional[int] = None,
                 headers: Optional[Mapping[str, str]] = None, **extensions: Any):
        super().__init__(code)
        self.code = code
        self.detail = detail
        self.fields = fields or {}
        self.status = status
        self.headers = dict(headers or {})
        self.extensions = extensions

    def response(self) -> Response:
        return problem(self.code, self.detail, fields=self.fields, status=self.status,
                       headers=self.headers, **self.extensions)


def problem(code: str, detail: Optional[str] = None, *, fields: Optional[FieldErrors] = None,
            status: Optional[int] = None, headers: Optional[Mapping[str, str]] = None,
            **extensions: Any) -> Response:
    """An ``application/problem+json`` response of the registered type ``code``."""
    kind = PROBLEM_TYPES[code]
    status = status or kind.status
    text = str(detail) if detail is not None else str(kind.detail)
    body: dict[str, Any] = {"type": problem_type_uri(code), "title": str(kind.title),
                            "status": status, "detail": text, "code": code, "message": text}
    if fields:
        body["errors"] = {name: [str(message) for _code, message in pairs]
                          for name, pairs in fields.items()}
        body["error_codes"] = {name: [machine for machine, _message in pairs]
                               for name, pairs in fields.items()}
    body.update(extensions)
    response: Response = current_app.json.response(body)  # type: ignore[assignment]
    response.status_code = status
    response.mimetype = PROBLEM_JSON
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def http_problem(error: HTTPException) -> Response:
    """A Werkzeug HTTP error (unknown path, wrong method, too large, ...) as a problem."""
    status = error.code or 500
    code = BY_STATUS.get(status)
    # Headers Werkzeug attaches (Allow on 405, Retry-After, WWW-Authenticate) are kept.
    headers = {name: value for name, value in error.get_headers()
               if name.lower() != "content-type"}
    if code is None:  # a status without a registered type: the generic one of its class
        code = "internal_error" if status >= 500 else "bad_request"
        return problem(code, status=status, headers=headers)
    return problem(code, headers=headers)


def unauthorized(detail: str) -> Response:
    """401 with the bearer challenge."""
    return problem("unauthorized", detail, headers={"WWW-Authenticate": 'Bearer realm="survey"'})


def field_error(name: str, code: str, message: Any) -> dict[str, list[tuple[str, str]]]:
    """``fields`` for a single field error."""
    return {name: [(code, str(message))]}


# --- pydantic validation errors as problem fields -------------------------------------------

#: Pydantic error type → (machine code, message); messages may use the error's context.
_EXPECTED = {
    "string_type": _l("Expected text."),
    "int_type": _l("Expected a whole number."),
    "int_parsing": _l("Expected a whole number."),
    "int_from_float": _l("Expected a whole number."),
    "float_type": _l("Expected a number."),
    "float_parsing": _l("Expected a number."),
    "bool_type": _l("Expected true or false."),
    "bool_parsing": _l("Expected true or false."),
    "list_type": _l("Expected a list."),
    "dict_type": _l("Expected a JSON object."),
    "model_type": _l("Expected a JSON object."),
    "model_attributes_type": _l("Expected a JSON object."),
}
_LIMITS = {
    "greater_than": ("gt", _l("Must be greater than %(limit)s.")),
    "greater_than_equal": ("ge", _l("Must be at least %(limit)s.")),
    "less_than": ("lt", _l("Must be less than %(limit)s.")),
    "less_than_equal": ("le", _l("Must be at most %(limit)s.")),
}


def _translate(error: Mapping[str, Any]) -> tuple[str, str]:
    """``(machine code, message)`` for one pydantic error, in the request's language."""
    kind, ctx = error["type"], error.get("ctx") or {}
    if kind in _EXPECTED:
        return "wrong_type", str(_EXPECTED[kind])
    if kind in _LIMITS:
        key, message = _LIMITS[kind]
        return "out_of_range", str(message) % {"limit": ctx.get(key)}
    if kind == "missing":
        return "required", _("This field is required.")
    if kind == "extra_forbidden":
        return "unknown_field", _("This field is not expected.")
    if kind == "finite_number":
        return "out_of_range", _("The number must be finite.")
    if kind == "string_too_short":
        return ("required", _("This field must not be empty.")) if ctx.get("min_length") == 1 \
            else ("too_short", _("At least %(n)s characters.", n=ctx.get("min_length")))
    if kind == "string_too_long":
        return "too_long", _("At most %(n)s characters.", n=ctx.get("max_length"))
    if kind == "too_long":
        return "too_long", _("At most %(n)s items.", n=ctx.get("max_length"))
    if kind in ("literal_error", "enum"):
        return "not_allowed", _("Use one of: %(choices)s.",
                                  choices=str(ctx.get("expected", "")).replace(" or ", ", "))
    if kind.startswith("api_"):  # raised by the schemas themselves, already translated
        return kind[len("api_"):], str(error["msg"])
    return "invalid", _("This value is not valid.")


def _pointer(location: tuple, in_query: bool) -> str:
    """A JSON pointer into the body (``/a/0/b``), or the query parameter's name."""
    parts = [str(p) for p in location]
    if in_query:
        return parts[0] if parts else ""
    return "".join("/" + p.replace("~", "~0").replace("/", "~1") for p in parts)


def validation_fields(errors: Iterable[Mapping[str, Any]], *, in_query: bool = False,
                      messages: Optional[Mapping[str, Any]] = None) -> FieldErrors:
    """Pydantic ``ValidationError.errors()`` as ``fields`` for :class:`ApiProblem`.

    ``messages`` gives a field's own message for the built-in errors of that field (the
    machine codes stay the generic ones).
    """
    fields: dict[str, list[tuple[str, str]]] = {}
    for error in errors:
        location = tuple(error.get("loc") or ())
        code, message = _translate(error)
        own = (messages or {}).get(str(location[0])) if location else None
        if own is not None and not error["type"].startswith("api_"):
            message = str(own)
        fields.setdefault(_pointer(location, in_query), []).append((code, message))
    return fields
