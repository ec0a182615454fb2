"""Requests refused before any view runs: input no database column could ever hold."""
from __future__ import annotations

from flask import Flask, abort, request
from flask.wrappers import Request
from werkzeug.exceptions import BadRequest

NUL_ESCAPES = (b"\\u0000", b"\\U0000")


def refuse_nul() -> None:
    """NUL characters are never valid in this app's input, and PostgreSQL text columns
    refuse them outright; answer 400 instead of letting a lookup fail with a 500."""
    query = request.query_string
    if "\x00" in request.path or ((b"%00" in query or b"\x00" in query) and any(
            "\x00" in k or any("\x00" in v for v in vs) for k, vs in request.args.lists())):
        abort(400)
    if request.is_json and any(e in request.get_data(cache=True) for e in NUL_ESCAPES):
        abort(400)


class SurveyRequest(Request):
    """A request whose JSON parser answers 400 to absurdly nested input too (the standard
    one only catches ValueError, and deep nesting raises RecursionError)."""

    def get_json(self, force=False, silent=False, cache=True):
        try:
            return super().get_json(force=force, silent=silent, cache=cache)
        except RecursionError as exc:
            if silent:
                return None
            raise BadRequest("JSON nested too deeply") from exc


def register_guards(app: Flask) -> None:
    app.request_class = SurveyRequest
    app.before_request(refuse_nul)
