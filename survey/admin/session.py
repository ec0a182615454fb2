"""The signed-in session: Flask-Login's user loading, idle and absolute expiry, the
sign-in limiter.

The session cookie carries ``"<user id>:<session version>"``; raising a user's session
version (new password, deactivation) ends every session signed in before. A session
also ends after ``ADMIN_IDLE_MINUTES`` without a request to /admin and
``ADMIN_SESSION_HOURS`` after signing in, whatever happens in between.
"""
from __future__ import annotations

import time
from typing import Optional

from flask import Flask, current_app, g, request, session
from flask_login import login_user, logout_user

from ..extensions import current_session, login_manager
from ..models import User
from ..services.accounts.signin import SignInLimiter

SIGNED_IN_AT = "admin_signed_in_at"
SEEN_AT = "admin_seen_at"


@login_manager.user_loader
def load_user(user_id: str) -> Optional[User]:
    """The active user whose id and session version the session holds; else nobody."""
    ident, _sep, version = user_id.partition(":")
    if not ident.isdigit() or not version.isdigit():
        return None
    user = current_session().get(User, int(ident))
    if user is None or not user.active or user.session_version != int(version):
        return None
    return user


def init_app(app: Flask) -> None:
    # No "remember me" (login_user is never asked to): closing the browser, the idle
    # limit or the absolute limit ends a session, and nothing outlives it.
    login_manager.init_app(app)


def _limits() -> tuple[float, float]:
    config = current_app.config
    return (float(config["ADMIN_IDLE_MINUTES"]) * 60, float(config["ADMIN_SESSION_HOURS"]) * 3600)


def start_session(user: User) -> None:
    """Sign ``user`` in on a fresh session (nothing from before it is kept)."""
    session.clear()
    login_user(user)
    now = time.time()
    session[SIGNED_IN_AT] = now
    session[SEEN_AT] = now


def end_session() -> None:
    logout_user()
    session.clear()


def expire_session() -> None:
    """Before every /admin request: end a session idle or old for too long, or whose
    user was deactivated or changed password; otherwise note this request."""
    if "_user_id" not in session:
        return
    idle, absolute = _limits()
    now = time.time()
    started, seen = session.get(SIGNED_IN_AT), session.get(SEEN_AT)
    if not isinstance(started, (int, float)) or not isinstance(seen, (int, float)) \
            or now - seen > idle or now - started > absolute:
        end_session()
        g.session_expired = True
        return
    session[SEEN_AT] = now


def sign_in_limiter() -> SignInLimiter:
    """The app's sign-in limiter, created on first use."""
    limiter = current_app.extensions.get("sign_in_limiter")
    if limiter is None:
        config = current_app.config
        key = config["SECRET_KEY"]
        limiter = SignInLimiter(int(config["ADMIN_SIGN_IN_FAILURES"]),
                                int(config["ADMIN_SIGN_IN_CLIENT_FAILURES"]),
                                int(float(config["ADMIN_SIGN_IN_WINDOW_MINUTES"]) * 60),
                                config["RATELIMIT_STORAGE"],
                                key if isinstance(key, bytes) else str(key).encode())
        current_app.extensions["sign_in_limiter"] = limiter
    return limiter


def client_address() -> str:
    return request.remote_addr or "unknown"
