"""Prometheus metrics (prometheus_client): requests and latencies by endpoint, and the
counters of what the survey stores, exposed at ``/metrics``.

Other code calls the small functions here (:func:`submission_stored`,
:func:`submission_flagged`, :func:`kiosk_upload`) after its commit; none of them touches
the database or the request. The metrics are created once per process, when this module
is imported, so that building many apps (the tests do) never registers them twice.

Under gunicorn with several workers each process counts on its own: set
``PROMETHEUS_MULTIPROC_DIR`` to an empty folder writable by the app before the server
starts (the repo's gunicorn.conf.py empties it and forgets dead workers), and ``/metrics``
adds up every worker's files. Without it, ``/metrics`` shows the answering worker only.
"""
from __future__ import annotations

import os
import re
from typing import Any

from prometheus_client import (CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, Counter,
                               Histogram, generate_latest, multiprocess)

#: Latency buckets, in seconds: the phone form is budgeted well under a second on 3G.
BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)

REQUESTS = Counter("survey_http_requests_total",
                   "HTTP requests answered, by endpoint, method and status.",
                   ["endpoint", "method", "status"])
LATENCY = Histogram("survey_http_request_duration_seconds",
                    "Time from the request's arrival at the app to its answer, by endpoint.",
                    ["endpoint"], buckets=BUCKETS)
STORED = Counter("survey_submissions_stored_total",
                 "Responses stored (not duplicates), by channel.", ["channel"])
FLAGGED = Counter("survey_submissions_flagged_total",
                  "Responses stored as flagged (left out of verdicts), by reason.", ["reason"])
KIOSK_UPLOADS = Counter("survey_kiosk_uploads_total",
                        "Batches uploaded by kiosks and committed (empty ones included).")

METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
_LABEL = re.compile(r"[^a-z0-9_.:-]+")


def _label(value: str) -> str:
    """A short, bounded label value: reasons may carry details after a colon."""
    return _LABEL.sub("_", str(value).lower().split(":", 1)[0])[:40] or "unknown"


def submission_stored(channel: str, count: int = 1) -> None:
    """Count ``count`` responses stored through ``channel`` (qr, receipt, kiosk, web)."""
    if count > 0:
        STORED.labels(_label(channel)).inc(count)


def submission_flagged(reason: str, count: int = 1) -> None:
    """Count ``count`` responses stored as flagged for ``reason`` (e.g. ``too_fast``)."""
    if count > 0:
        FLAGGED.labels(_label(reason)).inc(count)


def kiosk_upload() -> None:
    """Count one kiosk batch committed."""
    KIOSK_UPLOADS.inc()


#: The labelled children already used, so that a request costs two dictionary lookups
#: rather than two ``labels()`` calls (endpoints and statuses are few).
_REQUEST_CHILDREN: dict[tuple[str, str, int], tuple[Any, Any]] = {}


def observe_request(endpoint: str, method: str, status: int, seconds: float) -> None:
    """Count one answered request and its latency."""
    if method not in METHODS:  # any word is a method to HTTP: keep the labels bounded
        method = "other"
    key = (endpoint, method, status)
    children = _REQUEST_CHILDREN.get(key)
    if children is None:
        children = (REQUESTS.labels(endpoint, method, str(status)), LATENCY.labels(endpoint))
        _REQUEST_CHILDREN[key] = children
    children[0].inc()
    children[1].observe(seconds)


def exposition() -> tuple[bytes, str]:
    """The metrics in Prometheus' text format, with its content type: every worker's
    in multiprocess mode, this process's otherwise."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        return generate_latest(registry), CONTENT_TYPE_LATEST
    return generate_latest(REGISTRY), CONTENT_TYPE_LATEST
