"""Rendered pages kept per app, with holes for what changes per request.

A claimant's form page depends on the unit, the language, the URL, the questionnaire
version, the items drawn and the catalogue; only its submission id and CSRF token are
new for each claimant. :class:`PageCache` keeps each rendered page once, with those two
values cut out, and fills them in per request: a string replacement instead of a
template render (bench/submit_load.py, docs/performance.md).
"""
from __future__ import annotations

import gzip
import re
from collections import OrderedDict
from threading import Lock
from typing import Any, Callable, Hashable, Optional

from flask import current_app
from markupsafe import Markup

EXTENSION = "survey.pages"
#: Pages kept per app; the least recently used goes first (query strings vary freely).
CAPACITY = 512
#: Markers that cannot occur in a rendered page: HTML escaping would turn ``<`` into
#: ``&lt;`` anywhere the template writes text.
HOLE = "<\x00{}\x00>"
CUT = "<\x01{}\x01>"
CUT_RE = re.compile("<\x01([^\x01<>]*)\x01>")


class PageCache:
    """An LRU of pages, each stored with its per-request values replaced by holes."""

    def __init__(self, capacity: int = CAPACITY):
        self.capacity = capacity
        self.pages: OrderedDict[Hashable, Any] = OrderedDict()
        self.lock = Lock()

    def get(self, key: Hashable) -> Any:
        with self.lock:
            page = self.pages.get(key)
            if page is not None:
                self.pages.move_to_end(key)
            return page

    def put(self, key: Hashable, page: Any) -> None:
        with self.lock:
            self.pages[key] = page
            self.pages.move_to_end(key)
            while len(self.pages) > self.capacity:
                self.pages.popitem(last=False)

    def clear(self) -> None:
        with self.lock:
            self.pages.clear()


def page_cache() -> PageCache:
    cache = current_app.extensions.get(EXTENSION)
    if cache is None:
        cache = current_app.extensions[EXTENSION] = PageCache()
    return cache


def punch(page: str, values: dict[str, str]) -> Optional[str]:
    """``page`` with each of ``values`` (name → the value rendered) replaced by its hole,
    or None when a value does not occur exactly once (then the page is not cached)."""
    for name, value in values.items():
        if not value or page.count(value) != 1:
            return None
        page = page.replace(value, HOLE.format(name))
    return page


def fill(page: str, values: dict[str, str]) -> str:
    for name, value in values.items():
        page = page.replace(HOLE.format(name), value)
    return page


def cached_page(key: Hashable, per_request: dict[str, Callable[[], str]],
                render: Callable[[], str]) -> str:
    """The page for ``key`` with fresh ``per_request`` values; rendered (and kept) on a
    miss. ``render`` must use the values the callables return during the same request
    (they are called after it on a miss, and return the values it used)."""
    cache = page_cache()
    page = cache.get(key)
    if page is None:
        html = render()
        values = {name: make() for name, make in per_request.items()}
        template = punch(html, values)
        if template is not None:
            cache.put(key, template)
        return html
    return fill(page, {name: make() for name, make in per_request.items()})


def gzipped(key: Hashable, html: str) -> bytes:
    """``html`` gzipped once per ``key`` (a page kept whole, like the thank-you page) at
    Flask-Compress's level, with no time in the header so the bytes never change."""
    cache = page_cache()
    found = cache.get(("gzip", key))
    if found is None or found[0] != html:
        level = int(current_app.config.get("COMPRESS_LEVEL", 6))
        found = (html, gzip.compress(html.encode("utf-8"), level, mtime=0))
        cache.put(("gzip", key), found)
    return found[1]


def cut_mark(code: Optional[str]) -> Markup:
    """What a template writes around each optional part (``code``) and after it (None)
    when rendering for :func:`cut_page`."""
    return Markup(CUT.format(code or ""))


def cut_page(html: str) -> Optional[list[tuple[Optional[str], str]]]:
    """The page as (part code or None for what is always shown, text) segments, its cut
    marks removed; None if the marks are unbalanced."""
    segments: list[tuple[Optional[str], str]] = []
    pieces = CUT_RE.split(html)
    # split() alternates text and the captured code: text, code, text, code, text …
    current: Optional[str] = None
    for index, piece in enumerate(pieces):
        if index % 2 == 0:
            if piece:
                segments.append((current, piece))
            continue
        if (current is None) == (piece == ""):
            return None  # an end without a start, or a start inside a part
        current = piece or None
    return segments if current is None else None


def join_parts(segments: list[tuple[Optional[str], str]], shown: set[str]) -> str:
    return "".join(text for code, text in segments if code is None or code in shown)
