"""Security headers on every response: no framing, no sniffing, no referrer, and a
Content-Security-Policy that allows exactly what each part of the app loads.

The phone pages load nothing: their CSS is inline and the favicon a ``data:`` URL. The
kiosk loads its own scripts, styles and service worker from this server and talks only
to it. HSTS belongs to the HTTPS proxy in front (see the README).
"""
from __future__ import annotations

from flask import Flask, Response, request

COMMON = "frame-ancestors 'none'; base-uri 'none'"
#: Phone survey, receipt pages, errors: server-rendered, no script at all.
PAGES = f"default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; " \
        f"form-action 'self'; {COMMON}"
#: The kiosk web app and its service worker.
KIOSK = f"default-src 'self'; img-src 'self' data:; object-src 'none'; form-action 'self'; " \
        f"{COMMON}"
#: JSON and everything else: nothing to load.
NOTHING = f"default-src 'none'; {COMMON}"


def policy_for(path: str, mimetype: str | None) -> str:
    if path.startswith("/kiosk"):
        return KIOSK
    if mimetype == "text/html":
        return PAGES
    return NOTHING


def add_security_headers(response: Response) -> Response:
    headers = response.headers
    headers.setdefault("Content-Security-Policy", policy_for(request.path, response.mimetype))
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("X-Frame-Options", "DENY")
    # Receipt codes are in URLs (/r/<code>): never send them to another site.
    headers.setdefault("Referrer-Policy", "no-referrer")
    headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    return response


def register_headers(app: Flask) -> None:
    app.after_request(add_security_headers)
