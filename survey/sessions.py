"""Flask's signed-cookie session, cheaper where most requests are: without a cookie.

Claimants get no session at all (their form signs its own submission id), yet Flask's
interface builds a new signer for every request before it even looks for a cookie. This
one answers an empty session straight away when there is no cookie, and reuses the
signer for as long as the secret keys stay the same. Cookies, signing and expiry are
Flask's own.
"""
from __future__ import annotations

from typing import Any, Optional

from flask import Flask, Request
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface


class LeanSessionInterface(SecureCookieSessionInterface):
    def __init__(self) -> None:
        self._signers: dict[tuple, Any] = {}

    def get_signing_serializer(self, app: Flask) -> Optional[Any]:
        key = (app.secret_key, tuple(app.config.get("SECRET_KEY_FALLBACKS") or ()))
        if key not in self._signers:
            self._signers = {key: super().get_signing_serializer(app)}
        return self._signers[key]

    def open_session(self, app: Flask, request: Request) -> Optional[SecureCookieSession]:
        if app.secret_key and not request.cookies.get(self.get_cookie_name(app)):
            return self.session_class()
        return super().open_session(app, request)
