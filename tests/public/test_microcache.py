"""The thank-you page answered from a copy kept for a second (survey/microcache.py):
only for cookie-less GETs of a marked 200 page, with a fresh request id, the metric
counted, the mark never sent, and nothing kept once the time is up."""
from __future__ import annotations

import pytest

from survey.microcache import CAPACITY, MARK, MicroCache

URL = "/s/NA-VINH/thanks?lang=vi"


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def fake_app(status: str = "200 OK", mark: bool = True):
    calls: list[dict] = []

    def wsgi(environ, start_response):
        calls.append(environ)
        headers = [("Content-Type", "text/html"), ("X-Request-ID", "from-the-app")]
        if mark:
            headers.append((MARK, "public.thanks"))
        start_response(status, headers)
        return [b"page ", str(len(calls)).encode()]
    return wsgi, calls


def call(app, **environ):
    env = {"REQUEST_METHOD": "GET", "PATH_INFO": "/s/X/thanks", "QUERY_STRING": "lang=vi",
           "HTTP_HOST": "survey.test", "wsgi.url_scheme": "https",
           "HTTP_ACCEPT_ENCODING": "gzip", "HTTP_ACCEPT_LANGUAGE": "vi", **environ}
    seen = {}

    def start_response(status, headers, exc_info=None):
        seen["status"], seen["headers"] = status, dict(headers)
    body = b"".join(app(env, start_response))
    return seen["status"], seen["headers"], body


def test_a_marked_page_is_kept_for_its_seconds_then_asked_again():
    wsgi, calls = fake_app()
    clock = Clock()
    cache = MicroCache(wsgi, 1.0, clock=clock)
    first = call(cache)
    second = call(cache, HTTP_X_REQUEST_ID="abcdef0123456789")
    assert len(calls) == 1 and first[2] == second[2] == b"page 1"
    assert MARK not in first[1] and MARK not in second[1]
    assert second[1]["X-Request-ID"] == "abcdef0123456789"  # a well-formed id is echoed
    assert call(cache)[1]["X-Request-ID"] not in ("from-the-app", "abcdef0123456789")
    clock.now += 1.0
    assert call(cache)[2] == b"page 2" and len(calls) == 2


@pytest.mark.parametrize("change", [
    {"HTTP_COOKIE": "session=x"}, {"REQUEST_METHOD": "HEAD"}, {"REQUEST_METHOD": "POST"},
])
def test_requests_with_a_cookie_or_not_a_get_always_reach_the_app(change):
    wsgi, calls = fake_app()
    cache = MicroCache(wsgi, 60.0, clock=Clock())
    call(cache)
    status, headers, _body = call(cache, **change)
    assert len(calls) == 2 and MARK not in headers


@pytest.mark.parametrize("change", [
    {"QUERY_STRING": "lang=en"}, {"HTTP_ACCEPT_LANGUAGE": "en"}, {"HTTP_ACCEPT_ENCODING": ""},
    {"HTTP_HOST": "other.test"}, {"PATH_INFO": "/s/Y/thanks"}, {"wsgi.url_scheme": "http"},
])
def test_what_a_page_depends_on_is_in_the_key(change):
    wsgi, calls = fake_app()
    cache = MicroCache(wsgi, 60.0, clock=Clock())
    call(cache)
    assert call(cache, **change)[2] == b"page 2"


def test_unmarked_pages_and_other_statuses_are_not_kept():
    for wsgi, calls in (fake_app(mark=False), fake_app(status="404 NOT FOUND")):
        cache = MicroCache(wsgi, 60.0, clock=Clock())
        call(cache), call(cache)
        assert len(calls) == 2 and cache.kept == {}


def test_the_copies_are_bounded():
    wsgi, calls = fake_app()
    cache = MicroCache(wsgi, 60.0, clock=Clock())
    for n in range(CAPACITY + 10):
        call(cache, QUERY_STRING=f"n={n}")
    assert len(cache.kept) == CAPACITY


def test_the_real_thank_you_page_is_kept_and_counted(app, client, demo):
    from survey import metrics

    cache = app.wsgi_app.wsgi_app  # behind the fast lane, which hands it these pages
    assert isinstance(cache, MicroCache)
    assert cache.seconds == 0  # the tests' CATALOGUE_CHECK_SECONDS: nothing kept
    views = []
    view = app.view_functions["public.thanks"]
    app.view_functions["public.thanks"] = lambda **kw: views.append(kw) or view(**kw)
    headers = {"Accept-Encoding": "gzip"}
    assert client.get(URL, headers=headers).status_code == 200
    assert client.get(URL, headers=headers).status_code == 200
    assert len(views) == 2
    cache.seconds = 60
    counted = metrics.REQUESTS.labels("public.thanks", "GET", "200")
    before = counted._value.get()
    pages = [client.get(URL, headers=headers) for _ in range(3)]
    assert len(views) == 3  # one more render, then the copy
    assert len({p.get_data() for p in pages}) == 1
    assert all(MARK not in p.headers and p.headers["Content-Encoding"] == "gzip" for p in pages)
    assert len({p.headers["X-Request-ID"] for p in pages}) == 3
    assert "Content-Security-Policy" in pages[2].headers
    assert counted._value.get() - before == 3  # the copies are counted too
    # A claimant with a session cookie (an administrator trying the form) is not served
    # a copy; neither is another language.
    client.set_cookie("session", "x")
    client.get(URL, headers=headers)
    assert len(views) == 4
