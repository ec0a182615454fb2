"""Signing in with an e-mail address and a password, throttled and audited.

Failures are counted per account (the e-mail address as typed, whether or not it
exists) and per client, in the ``limits`` storage the receipt-code limit uses
(``SURVEY_RATELIMIT_STORAGE``), under keyed hashes: neither addresses nor e-mails are
stored there. Once either count reaches its limit within the window, attempts are
refused without checking the password until the window moves on; the answer is the
same for an account that exists and one that does not.
"""
from __future__ import annotations

import hashlib
import hmac
import logging
from dataclasses import dataclass
from typing import Any, Optional

from limits import RateLimitItemPerSecond, strategies
from sqlalchemy.orm import Session

from ...models import Outcome, User, utcnow
from .. import audit
from ..audit import Action, Actor
from ..intake.ratelimit import open_storage
from .passwords import hash_password, needs_rehash, verify_password
from .users import normalize_email, user_by_email

log = logging.getLogger(__name__)


class SignInLimiter:
    """Counts failed sign-ins per account and per client within a moving window."""

    def __init__(self, account_limit: int, client_limit: int, window_seconds: int,
                 storage_uri: str = "memory://", secret: bytes = b""):
        self.window = window_seconds
        self.storage = open_storage(storage_uri)
        self.strategy = strategies.MovingWindowRateLimiter(self.storage)
        self.account = RateLimitItemPerSecond(max(account_limit, 1), window_seconds)
        self.client = RateLimitItemPerSecond(max(client_limit, 1), window_seconds)
        self.secret = secret

    def _key(self, kind: str, value: str) -> str:
        return hmac.new(self.secret, f"{kind}:{value}".encode(), hashlib.sha256).hexdigest()[:32]

    def _keys(self, email: str, client: str) -> list[tuple[RateLimitItemPerSecond, str]]:
        return [(self.account, self._key("account", email)),
                (self.client, self._key("client", client))]

    def blocked(self, email: str, client: str) -> bool:
        """True when the account or the client has used up its failures."""
        try:
            return not all(self.strategy.test(item, "admin-sign-in", key)
                           for item, key in self._keys(email, client))
        except Exception as exc:  # the shared store is down: passwords are still checked
            log.error("sign-in throttling unavailable, attempt checked: %s", exc)
            return False

    def failed(self, email: str, client: str) -> None:
        try:
            for item, key in self._keys(email, client):
                self.strategy.hit(item, "admin-sign-in", key)
        except Exception as exc:
            log.error("sign-in throttling unavailable, failure not counted: %s", exc)

    def succeeded(self, email: str) -> None:
        """The account's failures are forgotten (the client's are kept)."""
        try:
            self.strategy.clear(self.account, "admin-sign-in", self._key("account", email))
        except Exception as exc:
            log.error("sign-in throttling unavailable: %s", exc)

    def reset(self) -> None:
        """Forget every count (tests, or an operator after a false alarm)."""
        self.storage.reset()


@dataclass
class SignInResult:
    """The user who signed in, or ``None``; ``throttled`` when nothing was checked."""

    user: Optional[User]
    throttled: bool = False


def _actor(user: Optional[User]) -> Actor:
    return Actor.of(user) if user is not None else audit.ANONYMOUS


def _object(user: Optional[User]) -> dict[str, Any]:
    return {"object_type": "user", "object_id": user.id} if user is not None else {}


def sign_in(session: Session, limiter: SignInLimiter, email: str, password: str,
            client: str) -> SignInResult:
    """Check an e-mail and password; every attempt is audited (the caller commits).

    The reason of a failure goes to the log only; the person is told the same thing
    whatever it was.
    """
    email = normalize_email(email)
    user = user_by_email(session, email)
    if limiter.blocked(email, client):
        audit.record(session, Action.SIGN_IN, _actor(user), outcome=Outcome.throttled,
                     **_object(user))
        return SignInResult(None, throttled=True)
    matches = verify_password(user.password_hash if user else None, password)
    reason = ("unknown_account" if user is None else "no_password" if not user.password_hash
              else "wrong_password" if not matches else "inactive" if not user.active else "")
    if reason:
        limiter.failed(email, client)
        audit.record(session, Action.SIGN_IN, _actor(user), outcome=Outcome.failure,
                     detail={"reason": reason}, **_object(user))
        return SignInResult(None)
    assert user is not None and user.password_hash is not None
    limiter.succeeded(email)
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    user.last_sign_in_at = utcnow()
    audit.record(session, Action.SIGN_IN, Actor.of(user), object_type="user", object_id=user.id)
    return SignInResult(user)
