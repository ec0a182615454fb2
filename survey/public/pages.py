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
import struct
import zlib
from collections import OrderedDict
from threading import Lock
from typing import AbstractSet, Any, Callable, Hashable, Mapping, Optional

from flask import current_app
from markupsafe import Markup

EXTENSION = "survey.pages"
#: Pages kept per app; the least recently used goes first (query strings vary freely).
CAPACITY = 512
#: Compressed forms kept per app: one per page and set of items drawn (v2 draws one of
#: 108), about 6 KB each.
GZIP_EXTENSION, GZIP_CAPACITY = "survey.gzip_pages", 2048
#: Markers that cannot occur in a rendered page: HTML escaping would turn ``<`` into
#: ``&lt;`` anywhere the template writes text.
HOLE = "<\x00{}\x00>"
HOLE_RE = re.compile("<\x00([^\x00<>]*)\x00>")
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


def page_cache(name: str = EXTENSION, capacity: int = CAPACITY) -> PageCache:
    cache = current_app.extensions.get(name)
    if cache is None:
        cache = current_app.extensions[name] = PageCache(capacity)
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


#: A gzip member's header: deflate, no name, no time (mtime 0), unknown OS.
GZIP_HEADER = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff"


class GzipTemplate:
    """A page with holes, compressed once: each request adds only its holes' values.

    The fixed text is deflated in one stream, flushed to a byte boundary (``Z_SYNC_FLUSH``)
    at every hole; the compressor is fed, in each hole's place, as many NUL bytes as the
    value has, and that output is thrown away. Per request the value goes there instead as
    a stored (uncompressed) deflate block of the same length, so every back-reference of
    the text after it keeps its distance; none can point into a hole, because a match
    copies bytes equal to the text and the text has no NUL (a page that does is not
    compressed this way). The CRC and length of the whole page close the gzip member.
    Any client's gzip decoder reads the result; a test decompresses it for random values.
    """

    __slots__ = ("names", "lengths", "runs")

    def __init__(self, page: str, lengths: Mapping[str, int], level: int):
        pieces = HOLE_RE.split(page)
        self.names = tuple(pieces[1::2])
        self.lengths = tuple(lengths[name] for name in self.names)
        compressor = zlib.compressobj(level, zlib.DEFLATED, -zlib.MAX_WBITS, 9)
        runs: list[bytes] = []
        for index, text in enumerate(pieces[0::2]):
            data = text.encode("utf-8")
            if index == len(self.names):
                runs.append(compressor.compress(data) + compressor.flush(zlib.Z_FINISH))
                break
            runs.append(compressor.compress(data) + compressor.flush(zlib.Z_SYNC_FLUSH))
            compressor.compress(b"\x00" * self.lengths[index])
            compressor.flush(zlib.Z_SYNC_FLUSH)
        self.runs = tuple(runs)

    @classmethod
    def make(cls, page: str, values: Mapping[str, str], level: int) -> Optional["GzipTemplate"]:
        """The template of ``page`` for values as long (in bytes) as ``values``; None when
        the page cannot be compressed this way (a NUL in it, a hole without a value or a
        value too long for one stored block)."""
        if "\x00" in HOLE_RE.sub("", page):
            return None
        lengths = {name: len(value.encode("utf-8")) for name, value in values.items()}
        if set(HOLE_RE.findall(page)) - set(lengths) or max(lengths.values(), default=0) > 0xFFFF:
            return None
        return cls(page, lengths, level)

    def fill(self, values: Mapping[str, str], page: bytes) -> Optional[bytes]:
        """The gzip member of ``page`` (the filled page's bytes) given the ``values``
        filled into it; None when a value's length differs from the template's."""
        out = [GZIP_HEADER]
        for run, name, length in zip(self.runs, self.names, self.lengths):
            value = values[name].encode("utf-8")
            if len(value) != length:
                return None
            out += (run, b"\x00", struct.pack("<HH", length, length ^ 0xFFFF), value)
        out += (self.runs[-1], struct.pack("<II", zlib.crc32(page), len(page) & 0xFFFFFFFF))
        return b"".join(out)


def gzipped_fill(key: Hashable, page: str, values: dict[str, str], filled: bytes,
                 level: int) -> Optional[bytes]:
    """``filled`` (``page`` with ``values`` in its holes, encoded) as gzip, from the
    template kept for ``key`` and the values' lengths (made on a miss); None when the
    page cannot be compressed that way (then the caller sends it as it is)."""
    lengths = tuple(sorted((name, len(value.encode("utf-8"))) for name, value in values.items()))
    cache = page_cache(GZIP_EXTENSION, GZIP_CAPACITY)
    found = cache.get((key, lengths))
    if found is None:
        found = GzipTemplate.make(page, values, level) or False
        cache.put((key, lengths), found)
    return found.fill(values, filled) if found else None


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


def join_parts(segments: list[tuple[Optional[str], str]], shown: AbstractSet[str]) -> str:
    return "".join(text for code, text in segments if code is None or code in shown)
