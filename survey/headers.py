"""Security headers on every response: no framing, no sniffing, no referrer, and a
Content-Security-Policy that allows exactly what each part of the app loads.

The phone pages load nothing: their CSS is inline, the favicon a ``data:`` URL and their
only script (the form's, a few hundred bytes) inline too, allowed by its hash. The
kiosk loads its own scripts, styles and service worker from this server and talks only
to it. HSTS belongs to the HTTPS proxy in front (see the README).
"""
from __future__ import annotations

import base64
import hashlib
from pathlib import Path

from flask import Flask, Response, request

COMMON = "frame-ancestors 'none'; base-uri 'none'"
#: The phone form's one small script (focus the error summary, open the "why" part after
#: a low rating), allowed by its hash: no other script can run on these pages.
SURVEY_SCRIPT = (Path(__file__).parent / "templates" / "public" / "_survey.js").read_bytes()
SCRIPT_HASH = base64.b64encode(hashlib.sha256(SURVEY_SCRIPT).digest()).decode()
#: Server-rendered pages (home, errors, API docs …): no script at all.
PAGES = f"default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; " \
        f"form-action 'self'; {COMMON}"
#: The survey form (QR and receipt-code pages): only that script may run.
FORM_PAGES = f"default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; " \
             f"script-src 'sha256-{SCRIPT_HASH}'; form-action 'self'; {COMMON}"
#: The kiosk web app and its service worker.
KIOSK = f"default-src 'self'; img-src 'self' data:; object-src 'none'; form-action 'self'; " \
        f"{COMMON}"
#: JSON and everything else: nothing to load.
NOTHING = f"default-src 'none'; {COMMON}"


def policy_for(path: str, mimetype: str | None) -> str:
    if path.startswith("/kiosk"):
        return KIOSK
    if mimetype == "text/html":
        return FORM_PAGES if path.startswith(("/s/", "/r/")) else PAGES
    return NOTHING


#: The headers every response gets unless its view set them (name, lower-case name, value).
FIXED = (("X-Content-Type-Options", "x-content-type-options", "nosniff"),
         ("X-Frame-Options", "x-frame-options", "DENY"),
         # Receipt codes are in URLs (/r/<code>): never send them to another site.
         ("Referrer-Policy", "referrer-policy", "no-referrer"),
         ("Cross-Origin-Opener-Policy", "cross-origin-opener-policy", "same-origin"))


def add_security_headers(response: Response) -> Response:
    # One pass over the headers already set, then plain appends: this runs on every
    # request, and five ``setdefault`` calls each scan and validate the list twice.
    headers = response.headers
    present = {key.lower() for key in headers.keys()}
    if "content-security-policy" not in present:
        headers.add("Content-Security-Policy", policy_for(request.path, response.mimetype))
    for name, lower, value in FIXED:
        if lower not in present:
            headers.add(name, value)
    return response


def register_headers(app: Flask) -> None:
    app.after_request(add_security_headers)
