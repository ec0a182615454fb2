"""Single-use receipt codes: issuing, looking up, consuming, counting.

A code is 8 characters from a 31-symbol alphabet without look-alikes (no 0/O, 1/I/L):
31⁸ ≈ 8.5 × 10¹¹ ≈ 2³⁹·⁶ possibilities, drawn with :mod:`secrets`. It is bound to a
unit, a service and its local (Vietnam) issue date, and carries no personal data.
"""
from __future__ import annotations

import datetime as dt
import enum
import re
import secrets
from typing import Any, Iterable, Mapping, Optional

from flask_babel import lazy_gettext as _l
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from ...config import Config
from ...models import ReceiptCode, Service, Unit, utcnow
from ...timeutil import local_date
from ..errors import ServiceError
from ..transactions import affected, begin_write

ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH = 8
MAX_COUNT = 1000
DEFAULT_DAYS = Config.RECEIPT_DAYS
_SEPARATORS = re.compile(r"[\s\-_.]+")
_VALID = re.compile(f"[{ALPHABET}]{{{CODE_LENGTH}}}")


class CodeState(enum.Enum):
    valid = "valid"
    used = "used"
    expired = "expired"


class CodeAlreadyUsed(Exception):
    """The code was consumed (or expired) between the page and the submission.

    Deliberately not a :class:`ServiceError`: the receipt view turns it into the
    friendly "already used" page instead of the generic invalid-data page.
    """


def generate_code() -> str:
    """One random code from the cryptographic source."""
    return "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))


def normalize_code(text: str) -> Optional[str]:
    """The stored form of a typed code (case, spaces and dashes ignored); None if invalid."""
    code = _SEPARATORS.sub("", text or "").upper()
    return code if _VALID.fullmatch(code) else None


def _fresh_codes(session: Session, count: int) -> list[str]:
    """``count`` distinct new codes that are not in the database yet."""
    codes: set[str] = set()
    while len(codes) < count:
        wanted = {generate_code() for _ in range(count - len(codes))}
        taken = set(session.scalars(sa.select(ReceiptCode.code).where(
            ReceiptCode.code.in_(wanted))))
        codes |= wanted - taken
    return sorted(codes)


def receipt_days(config: Mapping[str, Any]) -> int:
    """Days new codes stay valid: the app's ``RECEIPT_DAYS`` (``SURVEY_RECEIPT_DAYS``)."""
    return int(config.get("RECEIPT_DAYS", DEFAULT_DAYS))


def issue_receipt_codes(session: Session, unit: Unit, service: Service, count: int,
                        days: int = DEFAULT_DAYS,
                        now: Optional[dt.datetime] = None) -> list[ReceiptCode]:
    """Create ``count`` (1–1000) single-use codes for ``unit`` and ``service``.

    Each expires ``days`` days after issue. Flushes; the caller commits. Raises
    :class:`ServiceError` for a bad count or an inactive unit or service.
    """
    if isinstance(count, bool) or not isinstance(count, int) or not 1 <= count <= MAX_COUNT:
        raise ServiceError(_l("The number of codes must be 1–%(max)s.", max=MAX_COUNT),
                           {"count": ["out_of_range"]})
    if not unit.active or not service.active:
        raise ServiceError(_l("The unit or the service is not active."), {"unit": ["inactive"]})
    now = now or utcnow()
    begin_write(session)  # so that the caller's rollback undoes the savepoint's codes too
    for _attempt in range(5):
        rows = [ReceiptCode(code=code, unit=unit, service=service, issued_on=local_date(now),
                            issued_at=now, expires_at=now + dt.timedelta(days=days))
                for code in _fresh_codes(session, count)]
        try:
            with session.begin_nested():
                session.add_all(rows)
                session.flush()
            return rows
        except IntegrityError:  # a concurrent issue drew the same code: draw again
            continue
    raise ServiceError(_l("Could not draw unique codes; please try again."))  # pragma: no cover


def find_code(session: Session, text: str) -> Optional[ReceiptCode]:
    """The receipt code typed as ``text`` (any case, spaces or dashes), or None."""
    code = normalize_code(text)
    if code is None:
        return None
    return session.scalar(sa.select(ReceiptCode).filter_by(code=code))


def code_state(receipt: ReceiptCode, now: Optional[dt.datetime] = None) -> CodeState:
    """Whether ``receipt`` can still be used."""
    if receipt.used_at is not None:
        return CodeState.used
    if receipt.expires_at <= (now or utcnow()):
        return CodeState.expired
    return CodeState.valid


def consume(session: Session, receipt: ReceiptCode, now: Optional[dt.datetime] = None) -> None:
    """Mark ``receipt`` used, atomically: exactly one caller wins.

    The conditional UPDATE is decided by the database, so two simultaneous
    submissions cannot both succeed. Raises :class:`CodeAlreadyUsed` for the loser
    (or when the code has expired meanwhile).
    """
    now = now or utcnow()
    result = session.execute(
        sa.update(ReceiptCode)
        .where(ReceiptCode.id == receipt.id, ReceiptCode.used_at.is_(None),
               ReceiptCode.expires_at > now)
        .values(used_at=now)
        .execution_options(synchronize_session=False))
    if affected(result) != 1:
        raise CodeAlreadyUsed(receipt.code)
    # The database row is already updated; record it without making the object dirty.
    set_committed_value(receipt, "used_at", now)


def issued_counts(session: Session, start_date: dt.date, end_date: dt.date,
                  unit_ids: Optional[Iterable[int]] = None,
                  by_service: bool = False) -> dict:
    """Codes issued per unit (and service) with ``start_date <= issued_on <= end_date``.

    Returns ``{unit_id: n}``, or ``{(unit_id, service_id): n}`` when ``by_service``.
    Units without codes are absent. Dates are local (Vietnam) issue dates. Used as the
    served count where no imported :class:`~survey.models.ServedCount` exists.
    """
    keys = [ReceiptCode.unit_id] + ([ReceiptCode.service_id] if by_service else [])
    query = (sa.select(*keys, sa.func.count())
             .where(ReceiptCode.issued_on >= start_date, ReceiptCode.issued_on <= end_date)
             .group_by(*keys))
    if unit_ids is not None:
        query = query.where(ReceiptCode.unit_id.in_(list(unit_ids)))
    result: dict = {}
    for row in session.execute(query):
        key = (row[0], row[1]) if by_service else row[0]
        result[key] = row[-1]
    return result
