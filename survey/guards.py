"""Requests refused before any view runs: input no database column could ever hold."""
from __future__ import annotations

from flask import Flask, abort, request

NUL_ESCAPES = (b"\\u0000", b"\\U0000")


def refuse_nul() -> None:
    """NUL characters are never valid in this app's input, and PostgreSQL text columns
    refuse them outright; answer 400 instead of letting a lookup fail with a 500."""
    if "\x00" in request.path or any("\x00" in k or any("\x00" in v for v in vs)
                                     for k, vs in request.args.lists()):
        abort(400)
    if request.is_json and any(e in request.get_data(cache=True) for e in NUL_ESCAPES):
        abort(400)


def register_guards(app: Flask) -> None:
    app.before_request(refuse_nul)
