"""Whole pages kept for a second, in front of Flask: the claimant's thank-you page.

Every claimant's last request is the thank-you page, the same bytes for everyone who
answered at that unit in that language. Its view already keeps the rendered and gzipped
page (``public.pages``); what remains per request is Flask's own cycle (contexts,
routing, hooks), three to four times the cost of the page itself
(docs/performance.md). A view marks a response that any cookie-less client may get as it
is with the header ``X-Survey-Microcache: <endpoint>``; this middleware keeps such a
response for ``SURVEY_MICROCACHE_SECONDS`` (default: ``SURVEY_CATALOGUE_CHECK_SECONDS``,
the same second after which a worker sees a catalogue change anyway) and answers the
same request from it meanwhile, like a proxy's micro-cache.

What a kept answer still does: a request id of its own (``X-Request-ID``, the caller's
when well formed), the request metric and, with JSON logs, the access log line. What
makes a request "the same": method GET, no cookie, the same path, query string, host,
scheme, Accept-Language and Accept-Encoding (raw values). The mark never leaves the
server. Only 200 answers are kept; at most :data:`CAPACITY` of them, per worker.
"""
from __future__ import annotations

import time
from collections import OrderedDict
from threading import Lock
from typing import Any, Callable, Iterable, Optional

from flask import Flask

from .observability import answered_outside_flask

MARK = "X-Survey-Microcache"
CAPACITY = 256


class MicroCache:
    def __init__(self, wsgi_app: Callable[..., Iterable[bytes]], seconds: float,
                 json_logs: bool = False, clock: Callable[[], float] = time.monotonic):
        self.wsgi_app = wsgi_app
        self.seconds = seconds
        self.json_logs = json_logs
        self.clock = clock
        self.kept: OrderedDict[tuple, tuple[float, str, list, bytes, str]] = OrderedDict()
        self.lock = Lock()

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        if environ.get("REQUEST_METHOD") != "GET" or environ.get("HTTP_COOKIE"):
            return self._strip(environ, start_response)
        started = time.perf_counter()
        key = (environ.get("PATH_INFO"), environ.get("QUERY_STRING"),
               environ.get("HTTP_HOST"), environ.get("wsgi.url_scheme"),
               environ.get("HTTP_ACCEPT_LANGUAGE"), environ.get("HTTP_ACCEPT_ENCODING"))
        now = self.clock()
        with self.lock:
            found = self.kept.get(key)
            if found is not None and found[0] <= now:
                del self.kept[key]
                found = None
        if found is not None:
            return self._answer(environ, start_response, found, started)
        captured: dict[str, Any] = {}

        def capture(status: str, headers: list, exc_info: Optional[Any] = None):
            captured["status"], captured["headers"] = status, headers
            return start_response(status, [h for h in headers if h[0] != MARK], exc_info)

        body = self.wsgi_app(environ, capture)
        endpoint = next((v for k, v in captured.get("headers", ()) if k == MARK), None)
        if endpoint is None or not captured["status"].startswith("200 "):
            return body
        try:
            data = b"".join(body)
        finally:
            if hasattr(body, "close"):
                body.close()
        headers = [h for h in captured["headers"] if h[0] not in (MARK, "X-Request-ID")]
        with self.lock:
            self.kept[key] = (now + self.seconds, captured["status"], headers, data, endpoint)
            while len(self.kept) > CAPACITY:
                self.kept.popitem(last=False)
        return [data]

    def _strip(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        def without_mark(status: str, headers: list, exc_info: Optional[Any] = None):
            return start_response(status, [h for h in headers if h[0] != MARK], exc_info)

        return self.wsgi_app(environ, without_mark)

    def _answer(self, environ: dict, start_response: Callable, found: tuple,
                started: float) -> Iterable[bytes]:
        _expires, status, headers, data, endpoint = found
        request_id = answered_outside_flask(environ, endpoint, "GET", 200, started,
                                            self.json_logs, cached=True)
        start_response(status, [*headers, ("X-Request-ID", request_id)])
        return [data]


def register_microcache(app: Flask) -> None:
    """Put the cache in front of the app. With ``SURVEY_MICROCACHE_SECONDS`` (or, unset,
    ``SURVEY_CATALOGUE_CHECK_SECONDS``) at 0 nothing is served from it (every entry has
    expired by the next request); the mark is stripped all the same."""
    from .observability import log_format

    seconds = app.config.get("MICROCACHE_SECONDS")
    if seconds is None:
        seconds = app.config.get("CATALOGUE_CHECK_SECONDS", 1.0)
    app.wsgi_app = MicroCache(  # type: ignore[method-assign]  # Flask's documented way
        app.wsgi_app, max(float(seconds), 0.0), json_logs=log_format(app.config) == "json")
