"""For machines: ``/healthz`` (the process answers), ``/readyz`` (the database answers and
its schema is at the migrations' head) and ``/metrics`` (Prometheus).

``/readyz`` is what a load balancer or an upgrade script polls: it asks the database for
``alembic_version`` and compares it with the head revision of the migrations shipped with
this code (read once per process), and keeps the answer for a few seconds so that polling
costs nothing. Its answers are machine codes, not translated text.
"""
from __future__ import annotations

import functools
import time
from typing import Any

import sqlalchemy as sa
from flask import Blueprint, Response, current_app, jsonify

from . import metrics
from .errors import RETRY_AFTER_SECONDS
from .extensions import db

bp = Blueprint("health", __name__)

#: Seconds a /readyz answer is reused.
READY_CACHE_SECONDS = 5.0


@bp.get("/healthz")
def healthz():
    """The process is up and answering; nothing else is checked."""
    return jsonify(status="ok")


@functools.lru_cache(maxsize=4)
def migration_heads(directory: str) -> frozenset[str]:
    """The head revision(s) of the migrations in ``directory``."""
    from alembic.script import ScriptDirectory

    return frozenset(ScriptDirectory(directory).get_heads())


def readiness() -> dict[str, Any]:
    """``{"status": "ready"|"not_ready", ...}``: the database answers and every head is
    applied. Reads ``alembic_version`` with a connection of its own."""
    from . import MIGRATIONS_DIR

    heads = migration_heads(MIGRATIONS_DIR)
    try:
        with db.engine.connect() as connection:
            connection.execute(sa.text("SELECT 1"))
            try:
                current = set(connection.execute(
                    sa.text("SELECT version_num FROM alembic_version")).scalars())
            except sa.exc.DBAPIError:
                current = set()
    except sa.exc.SQLAlchemyError as exc:
        current_app.logger.error("readiness: database unreachable: %s",
                                 type(getattr(exc, "orig", None) or exc).__name__)
        return {"status": "not_ready", "reason": "database_unreachable"}
    state = {"current": sorted(current), "head": sorted(heads)}
    if current != heads:
        return {"status": "not_ready", "reason": "migrations_pending", **state}
    return {"status": "ready", **state}


@bp.get("/readyz")
def readyz():
    """200 when ready, 503 (with Retry-After) when not; cached a few seconds."""
    cached = current_app.extensions.get("readiness")
    now = time.monotonic()
    if cached is None or now - cached[0] > READY_CACHE_SECONDS:
        cached = (now, readiness())
        current_app.extensions["readiness"] = cached
    state = cached[1]
    response = jsonify(state)
    response.headers["Cache-Control"] = "no-store"
    if state["status"] != "ready":
        response.status_code = 503
        response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


@bp.get("/metrics", endpoint="metrics")
def metrics_page():
    body, content_type = metrics.exposition()
    return Response(body, content_type=content_type, headers={"Cache-Control": "no-store"})

