"""Bearer tokens: API tokens for integrations and kiosk device tokens. Stored hashed."""
from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from typing import Optional

from flask_babel import lazy_gettext as _l
import sqlalchemy as sa
from sqlalchemy.orm import Session

from ...models import ApiToken, KioskDevice, utcnow
from ..errors import NotFound


def hash_token(token: str) -> str:
    """SHA-256 hex of a token; tokens are long random strings, so no salt is needed."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def new_token(prefix: str) -> str:
    return f"{prefix}_{secrets.token_urlsafe(32)}"


def create_api_token(session: Session, name: str) -> tuple[ApiToken, str]:
    """Create a named API token; returns the row and the token (shown once)."""
    token = new_token("svy")
    row = ApiToken(name=name.strip(), token_hash=hash_token(token))
    session.add(row)
    session.flush()
    return row, token


#: ``last_used_at`` moves on at most this often: a busy integration must not turn every
#: read into a database write.
LAST_USED_RESOLUTION = dt.timedelta(seconds=60)


def find_api_token(session: Session, token: str) -> Optional[ApiToken]:
    """The active API token matching ``token``, marking it used (to the minute; the
    caller commits); None if unknown/revoked."""
    row = session.scalar(sa.select(ApiToken).filter_by(token_hash=hash_token(token)))
    if row is None or row.revoked_at is not None:
        return None
    now = utcnow()
    if row.last_used_at is None or now - row.last_used_at >= LAST_USED_RESOLUTION:
        row.last_used_at = now
    return row


def find_device(session: Session, token: str) -> Optional[KioskDevice]:
    """The paired, unrevoked kiosk device holding ``token``; None otherwise."""
    device = session.scalar(sa.select(KioskDevice).filter_by(token_hash=hash_token(token)))
    if device is None or device.revoked_at is not None:
        return None
    return device


def revoke_api_token(session: Session, token_id: int) -> ApiToken:
    row = session.get(ApiToken, token_id)
    if row is None:
        raise NotFound(_l("No API token with id %(id)s.", id=token_id))
    row.revoked_at = row.revoked_at or utcnow()
    return row


def list_api_tokens(session: Session) -> list[ApiToken]:
    return list(session.scalars(sa.select(ApiToken).order_by(ApiToken.id)))
