"""Request ids, request metrics and structured (JSON) logs without personal data.

Every request gets an id: the incoming ``X-Request-ID`` when it is well formed (nginx's
``$request_id``, or a caller's own), a new random one otherwise; it is sent back in the
response's ``X-Request-ID`` and is in every log line written while the request runs.

With ``SURVEY_LOG_FORMAT=json`` (the default when ``SURVEY_ENV=production``) the app's
loggers write one JSON object per line to stderr, and one ``request`` line per answered
request: method, endpoint, URL rule, status, duration and request id. Never the client's
address, the path as sent (receipt codes are in it), the query string, headers or any
form field.

The hooks cost a few microseconds per request (docs/deploy.md gives the measurement).
"""
from __future__ import annotations

import datetime as dt
import json
import logging
import re
import sys
import time
import uuid

from flask import Flask, Response, g, has_request_context, request

from . import metrics

#: What an incoming X-Request-ID may be: short, and nothing a log reader could trip on.
REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{8,64}")
#: Endpoints left out of the access log (machines polling them every few seconds).
QUIET = frozenset({"health.healthz", "health.readyz", "health.metrics"})

access_log = logging.getLogger("survey.access")


def start_request() -> None:
    asked = request.headers.get("X-Request-ID", "")
    state = g._get_current_object()
    state.request_id = asked if REQUEST_ID.fullmatch(asked) else uuid.uuid4().hex
    state.request_started = time.perf_counter()


def finish_request(response: Response) -> Response:
    # The proxies are resolved once: this runs on every request, the claimant's included.
    state = g._get_current_object()
    current = request._get_current_object()  # type: ignore[attr-defined]
    started = getattr(state, "request_started", None)
    if started is None:  # a hook before ours refused the request
        start_request()
        started = state.request_started
    response.headers["X-Request-ID"] = state.request_id
    seconds = time.perf_counter() - started
    endpoint = current.endpoint or "unmatched"
    try:
        metrics.observe_request(endpoint, current.method, response.status_code, seconds)
    except Exception:  # e.g. PROMETHEUS_MULTIPROC_DIR filled up: never fail the answer
        logging.getLogger(__name__).exception("request metrics failed")
    if getattr(state, "access_log", False) and endpoint not in QUIET:
        rule = current.url_rule.rule if current.url_rule is not None else None
        access_log.info("request", extra={"fields": {
            "method": current.method, "endpoint": endpoint, "rule": rule,
            "status": response.status_code, "duration_ms": round(seconds * 1000, 1)}})
    return response


def answered_outside_flask(environ: dict, endpoint: str, method: str, status: int,
                           started: float, json_logs: bool, **fields) -> str:
    """What :func:`start_request` and :func:`finish_request` do, for an answer made in
    front of Flask (survey/microcache.py, survey/public/fastlane.py): the request id to
    send (the caller's when well formed), the request metric and, with JSON logs, the
    access line (``fields`` added to it)."""
    asked = environ.get("HTTP_X_REQUEST_ID", "")
    request_id = asked if REQUEST_ID.fullmatch(asked) else uuid.uuid4().hex
    seconds = time.perf_counter() - started
    try:
        metrics.observe_request(endpoint, method, status, seconds)
    except Exception:  # the same rule as the app's own hook: never fail the answer
        access_log.exception("request metrics failed")
    if json_logs and endpoint not in QUIET:
        access_log.info("request", extra={"fields": {
            "method": method, "endpoint": endpoint, **fields, "status": status,
            "duration_ms": round(seconds * 1000, 1), "request_id": request_id}})
    return request_id


class JsonFormatter(logging.Formatter):
    """One JSON object per record: time, level, logger, message, request id, and the
    record's ``fields`` (structured extras) and exception, if any."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {"time": dt.datetime.fromtimestamp(record.created, dt.timezone.utc)
                 .isoformat(timespec="milliseconds"),
                 "level": record.levelname.lower(), "logger": record.name,
                 "message": record.getMessage()}
        if has_request_context() and "request_id" in g:
            entry["request_id"] = g.request_id
        entry.update(getattr(record, "fields", None) or {})
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


def log_format(config) -> str:
    configured = str(config.get("LOG_FORMAT") or "").strip().lower()
    if configured:
        return configured
    return "json" if str(config.get("ENV") or "").lower() == "production" else "text"


def configure_json_logs(app: Flask) -> None:
    """Send the app's loggers (``survey`` and below) to stderr as JSON lines; done once
    per process however many apps are built."""
    logger = logging.getLogger("survey")
    if not any(isinstance(h.formatter, JsonFormatter) for h in logger.handlers):
        from flask.logging import default_handler

        logger.removeHandler(default_handler)
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(JsonFormatter())
        logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    logger.propagate = False


def register_observability(app: Flask) -> None:
    json_logs = log_format(app.config) == "json"
    if json_logs:
        configure_json_logs(app)

    def start() -> None:
        start_request()
        g.access_log = json_logs

    # First of the app's hooks, so that the id exists for whatever the others log.
    app.before_request_funcs.setdefault(None, []).insert(0, start)
    app.after_request(finish_request)
