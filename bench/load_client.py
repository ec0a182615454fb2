"""The claimants of bench/submit_load.py: threads that GET a form, fill it in, POST it
and follow the redirect, as fast as the server lets them.

Each submission is a new claimant (no cookies): the app's CSRF token is bound to the
session cookie set by the GET. The form is read from the page as a browser would
send it: hidden and text fields with their values, the preselected (or else the first)
service, the first option of every ``q_*`` radio group shown, nothing else ticked.
"""
from __future__ import annotations

import gzip
import html
import http.client
import re
import threading
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Sequence
from urllib.parse import urlencode, urljoin, urlsplit

TAG = re.compile(r"<(form|input|select|option|textarea)\b([^>]*)>", re.IGNORECASE)
ATTR = re.compile(r"""([\w:-]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+)))?""")
TIMEOUT = 60


def attributes(text: str) -> dict[str, str]:
    return {m[1].lower(): html.unescape(m[2] or m[3] or m[4] or "") for m in ATTR.finditer(text)}


def form_fields(page: str) -> tuple[str, list[tuple[str, str]]]:
    """(action, the (name, value) pairs a browser would post) of the page's first form,
    with the first option of every ``q_*`` radio group chosen."""
    action, pairs, radios = "", [], set()
    select, first_option, chosen = "", "", ""
    for match in TAG.finditer(page):
        tag, attrs = match[1].lower(), attributes(match[2])
        name = attrs.get("name", "")
        if tag == "form" and not action:
            action = attrs.get("action", "")
        elif tag == "input" and name:
            kind = attrs.get("type", "text").lower()
            if kind == "radio":
                if name.startswith("q_") and name not in radios:
                    radios.add(name)
                    pairs.append((name, attrs.get("value", "on")))
            elif kind == "checkbox":
                if "checked" in attrs:
                    pairs.append((name, attrs.get("value", "on")))
            elif kind not in ("submit", "button", "image", "reset", "file"):
                pairs.append((name, attrs.get("value", "")))
        elif tag == "textarea" and name:
            pairs.append((name, ""))
        elif tag == "select":
            if select:
                pairs.append((select, chosen or first_option))
            select, first_option, chosen = name, "", ""
        elif tag == "option" and select:
            value = attrs.get("value", "")
            first_option = first_option or value
            if "selected" in attrs:
                chosen = value
    if select:
        pairs.append((select, chosen or first_option))
    return action, pairs


@dataclass
class Outcome:
    """One claimant's submission."""

    latency: float
    #: The POST was answered 303 (acknowledged: it must be stored, once).
    acknowledged: bool
    submission_id: str = ""
    #: ``q_*`` groups answered (each becomes one row in ``answers``).
    answers: int = 0
    error: str = ""


class Claimant:
    """One browser's worth of HTTP: a new connection per request (gunicorn's sync workers
    close them anyway), gzip accepted, the session cookie kept. http.client rather than
    requests: about a quarter of the client CPU per request, which matters when client
    and servers share two cores."""

    def __init__(self, base: str):
        self.host = urlsplit(base).netloc
        self.cookies: dict[str, str] = {}

    def request(self, method: str, target: str, body: str = "") -> tuple[int, str, str]:
        """(status, Location, body text) of one request to ``target`` (path and query)."""
        headers = {"Accept-Encoding": "gzip", "Accept": "text/html"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if method == "POST":
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        conn = http.client.HTTPConnection(self.host, timeout=TIMEOUT)
        try:
            conn.request(method, target, body=body.encode() if body else None, headers=headers)
            response = conn.getresponse()
            data = response.read()
        finally:
            conn.close()
        for cookie in response.headers.get_all("Set-Cookie") or ():
            name, _, value = cookie.split(";", 1)[0].partition("=")
            self.cookies[name.strip()] = value.strip()
        if response.getheader("Content-Encoding") == "gzip":
            data = gzip.decompress(data)
        return response.status, response.getheader("Location", ""), data.decode("utf-8")


def path_of(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def submit(base: str, target: str) -> Outcome:
    """As a new claimant, GET the form at ``target``, POST it, follow the redirect."""
    start = time.perf_counter()
    claimant = Claimant(base)
    sid, answers = "", 0
    try:
        status, _, page = claimant.request("GET", target)
        if status != 200:
            return Outcome(time.perf_counter() - start, False, error=f"GET {status}")
        action, pairs = form_fields(page)
        sid = dict(pairs).get("submission_id", "")
        answers = sum(name.startswith("q_") for name, _value in pairs)
        status, location, _ = claimant.request(
            "POST", path_of(urljoin(target, action)), urlencode(pairs))
        if status != 303:
            return Outcome(time.perf_counter() - start, False, sid, answers, f"POST {status}")
        status, _, _ = claimant.request("GET", path_of(urljoin(target, location)))
        error = "" if status == 200 else f"thanks {status}"
        return Outcome(time.perf_counter() - start, True, sid, answers, error)
    except (OSError, http.client.HTTPException) as exc:
        return Outcome(time.perf_counter() - start, False, sid, answers, type(exc).__name__)


@dataclass
class Load:
    """What ``clients`` threads did in one timed phase."""

    outcomes: list[Outcome] = field(default_factory=list)
    wall: float = 0.0
    #: CPU time of this whole process (every client thread) during the phase.
    client_cpu: float = 0.0

    @property
    def acknowledged(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.acknowledged]

    @property
    def errors(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.error]


def drive(base: str, target: str, clients: int, seconds: float) -> Load:
    """``clients`` threads submitting to ``target`` on ``base`` until ``seconds`` have passed; a
    submission under way at the deadline is finished (and counted)."""
    return run_clients([lambda: submit(base, target)] * clients, seconds)


def run_clients(steps: Sequence[Callable[[], Any]], seconds: float) -> Load:
    """One thread per step, each calling its step over and over until ``seconds`` have
    passed; a step under way at the deadline is finished (and counted). A step returns
    an outcome with ``acknowledged`` and ``error`` (an :class:`Outcome`, or the like)."""
    deadline = time.perf_counter() + seconds
    per_thread: list[list[Any]] = [[] for _ in steps]

    def client(step: Callable[[], Any], out: list[Any]) -> None:
        while time.perf_counter() < deadline:
            out.append(step())

    threads = [threading.Thread(target=client, args=(step, out))
               for step, out in zip(steps, per_thread)]
    cpu, start = time.process_time(), time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    load = Load(wall=time.perf_counter() - start, client_cpu=time.process_time() - cpu)
    load.outcomes = [outcome for out in per_thread for outcome in out]
    return load


def percentile(values: list[float], share: float) -> float:
    """The ``share`` quantile (nearest rank) of ``values``; 0 when empty."""
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered)) - 1))]
