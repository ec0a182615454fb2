"""Counter kiosks: pairing, device tokens and idempotent batch ingestion of responses."""
from __future__ import annotations

import datetime as dt
import secrets
import uuid
from dataclasses import dataclass, field
from typing import Any, Optional

from flask_babel import lazy_gettext as _l
import sqlalchemy as sa
from sqlalchemy.orm import Session

from ...models import (Channel, KioskDevice, Questionnaire, QuestionnaireStatus, Response,
                      ResponseStatus, Service, utcnow)
from .. import catalogue
from ..accounts.scope import Scope
from ..errors import NotFound, ServiceError
from ..intake.responses import NewResponse, submit_response, validate_answers
from ..transactions import affected
from .tokens import hash_token, new_token

PAIRING_VALIDITY = dt.timedelta(hours=24)
PAIRING_DIGITS = 10
#: Device times further ahead of the server's clock than this are refused per item.
MAX_CLOCK_AHEAD = dt.timedelta(minutes=10)
#: Device times before this are a clock that was never set (or reset to 1970): refused.
EARLIEST = dt.datetime(2020, 1, 1, tzinfo=dt.timezone.utc)
#: Questionnaire versions are small positive integers (and must fit an INTEGER column).
MAX_VERSION = 2**31 - 1
TOO_FAST = "too_fast"
ITEM_FIELDS = {"id", "questionnaire_version", "service", "submitted_at", "locale", "answers",
               "reasons", "partial"}


# --- pairing and device tokens -------------------------------------------------------------

def normalize_code(code: str) -> str:
    """Pairing codes are digits; spaces and dashes typed by staff are ignored."""
    return "".join(ch for ch in code if ch.isdigit())


def format_code(code: str) -> str:
    return f"{code[:5]} {code[5:]}"


def add_device(session: Session, unit_code: str, name: str,
               now: Optional[dt.datetime] = None) -> tuple[KioskDevice, str]:
    """Register a kiosk for a unit; returns the row and its one-time pairing code (24 h)."""
    unit = catalogue.unit_by_code(session, unit_code)
    if unit is None:
        raise NotFound(_l("Unknown or inactive unit %(code)s.", code=repr(unit_code)))
    if not name.strip():
        raise ServiceError(_l("A kiosk needs a name."))
    code = "".join(secrets.choice("0123456789") for _ in range(PAIRING_DIGITS))
    device = KioskDevice(unit=unit, name=name.strip(), pairing_code_hash=hash_token(code),
                         pairing_expires_at=(now or utcnow()) + PAIRING_VALIDITY)
    session.add(device)
    session.flush()
    return device, code


def pair_device(session: Session, code: str,
                now: Optional[dt.datetime] = None) -> tuple[KioskDevice, str]:
    """Exchange a pairing code for a device token (shown once, stored hashed).

    The code works once: a conditional UPDATE clears it, so two kiosks racing with
    the same code cannot both win. Raises :class:`NotFound` for an unknown, used,
    expired or revoked code.
    """
    now = now or utcnow()
    digits = normalize_code(code)
    device = session.scalar(sa.select(KioskDevice).filter_by(
        pairing_code_hash=hash_token(digits))) if len(digits) == PAIRING_DIGITS else None
    if (device is None or device.revoked_at is not None
            or device.pairing_expires_at is None or device.pairing_expires_at < now):
        raise NotFound(_l("Unknown, used or expired pairing code."))
    token = new_token("kio")
    claimed = session.execute(
        sa.update(KioskDevice)
        .where(KioskDevice.id == device.id,
               KioskDevice.pairing_code_hash == device.pairing_code_hash)
        .values(pairing_code_hash=None, pairing_expires_at=None, token_hash=hash_token(token),
                paired_at=now, last_seen_at=now)
        .execution_options(synchronize_session=False))
    if affected(claimed) != 1:
        raise NotFound(_l("Unknown, used or expired pairing code."))
    session.refresh(device)
    return device, token


def list_devices(session: Session, scope: Optional[Scope] = None) -> list[KioskDevice]:
    """Every kiosk, or those of the units in ``scope``, oldest first."""
    query = sa.select(KioskDevice).order_by(KioskDevice.id)
    if scope is not None:
        query = query.where(scope.where(KioskDevice.unit_id))
    return list(session.scalars(query))


def silent_for(device: KioskDevice, heartbeat_seconds: int,
               now: Optional[dt.datetime] = None) -> Optional[dt.timedelta]:
    """How long a paired kiosk has been silent, if it missed three heartbeats (a paired
    kiosk reports in every heartbeat even when nobody uses it); None otherwise."""
    if device_state(device, now) != "paired" or device.last_seen_at is None:
        return None
    silent = (now or utcnow()) - device.last_seen_at
    return silent if silent > dt.timedelta(seconds=3 * heartbeat_seconds) else None


def revoke_device(session: Session, device_id: int) -> KioskDevice:
    """Revoke a kiosk: its token and any unused pairing code stop working."""
    device = session.get(KioskDevice, device_id)
    if device is None:
        raise NotFound(_l("No kiosk with id %(id)s.", id=device_id))
    device.revoked_at = device.revoked_at or utcnow()
    device.pairing_code_hash = None
    session.flush()
    return device


def device_state(device: KioskDevice, now: Optional[dt.datetime] = None) -> str:
    if device.revoked_at is not None:
        return "revoked"
    if device.token_hash is not None:
        return "paired"
    expires = device.pairing_expires_at
    return "waiting" if expires is not None and expires >= (now or utcnow()) else "expired"


# --- batch ingestion -----------------------------------------------------------------------

@dataclass
class BatchResult:
    """Ids stored now, ids already stored before, and refused items with their errors."""

    accepted: list[str] = field(default_factory=list)
    duplicates: list[str] = field(default_factory=list)
    rejected: list[dict[str, Any]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {"accepted": self.accepted, "duplicates": self.duplicates,
                "rejected": self.rejected}


@dataclass
class _Lookups:
    """Questionnaire versions and services, loaded once per batch."""

    session: Session
    versions: dict[int, Optional[Questionnaire]] = field(default_factory=dict)
    services: dict[str, Service] = field(default_factory=dict)

    def questionnaire(self, version: int) -> Optional[Questionnaire]:
        if version not in self.versions:
            row = self.session.scalar(sa.select(Questionnaire).filter_by(version=version))
            usable = row is not None and row.status is not QuestionnaireStatus.draft
            self.versions[version] = row if usable else None
        return self.versions[version]


def ingest_batch(session: Session, device: KioskDevice, items: list[Any],
                 min_interval: float = 5, now: Optional[dt.datetime] = None) -> BatchResult:
    """Store a kiosk's batch item by item; a bad item never blocks the others.

    The device row is written first so that batches of one device are applied one at a
    time (a row lock on PostgreSQL, the write lock on SQLite); that keeps the too-fast
    check consistent. Each item is inserted in its own savepoint by ``submit_response``.
    """
    now = now or utcnow()
    session.execute(sa.update(KioskDevice).where(KioskDevice.id == device.id)
                    .values(last_seen_at=now))
    lookups = _Lookups(session, services={s.code: s for s in catalogue.active_services(session)})
    result = BatchResult()
    parsed: list[tuple[str, NewResponse]] = []
    for raw in items:
        new, errors = parse_item(raw, device, lookups, now)
        if errors or new is None:
            result.rejected.append({"id": _raw_id(raw), "errors": errors})
        else:
            parsed.append((raw["id"], new))
    # Which ids are stored already, and by which device: one query for the whole batch.
    known = dict(session.execute(sa.select(Response.id, Response.device_id).where(
        Response.id.in_({new.id for _raw, new in parsed}))).all()) if parsed else {}
    # Oldest first, so each response is compared with the one just before it.
    for raw_id, new in sorted(parsed, key=lambda pair: pair[1].submitted_at or now):
        _store_one(session, device, raw_id, new, min_interval, result, known)
    return result


def _store_one(session: Session, device: KioskDevice, raw_id: str, new: NewResponse,
               min_interval: float, result: BatchResult, known: dict) -> None:
    """Store one parsed item; ids are echoed exactly as the kiosk sent them. ``known``
    maps the ids already stored to their device, and gains the ids stored here."""
    if new.id in known:
        if known[new.id] == device.id:
            result.duplicates.append(raw_id)
        else:
            result.rejected.append({"id": raw_id, "errors": {"id": ["id_taken"]}})
        return
    if not new.partial:
        _flag_if_too_fast(session, device, new, min_interval)
    try:
        # checked: the batch query above looked for this id (a concurrent insert of the
        # same id is still caught by the primary key and answered as a duplicate).
        response, created = submit_response(session, new, checked=True)
    except ServiceError as exc:
        result.rejected.append({"id": raw_id, "errors": exc.errors or {"": [str(exc.message)]}})
        return
    known[new.id] = response.device_id
    if not created and response.device_id != device.id:
        result.rejected.append({"id": raw_id, "errors": {"id": ["id_taken"]}})
        return
    (result.accepted if created else result.duplicates).append(raw_id)
    if created and not new.partial:
        _reflag_next(session, device, response, min_interval)


def _completed(device: KioskDevice):
    return sa.select(Response).where(Response.device_id == device.id,
                                     Response.partial.is_(False))


def _flag_if_too_fast(session: Session, device: KioskDevice, new: NewResponse,
                      min_interval: float) -> None:
    """Flag ``new`` when it follows the device's previous completed response too closely."""
    previous = session.scalar(_completed(device).where(Response.submitted_at <= new.submitted_at)
                              .order_by(Response.submitted_at.desc()).limit(1))
    if previous is not None and new.submitted_at is not None and \
            _gap(previous.submitted_at, new.submitted_at) < min_interval:
        new.status, new.status_reason = ResponseStatus.flagged, TOO_FAST


def _reflag_next(session: Session, device: KioskDevice, stored: Response,
                 min_interval: float) -> None:
    """A response that arrives late may sit just before one already stored: flag that one."""
    following = session.scalar(
        _completed(device).where(Response.submitted_at >= stored.submitted_at,
                                 Response.id != stored.id)
        .order_by(Response.submitted_at).limit(1))
    if (following is not None and following.status is ResponseStatus.valid
            and _gap(stored.submitted_at, following.submitted_at) < min_interval):
        following.status, following.status_reason = ResponseStatus.flagged, TOO_FAST
        session.flush()


def _gap(earlier: dt.datetime, later: dt.datetime) -> float:
    return (later - earlier).total_seconds()


def _raw_id(raw: Any) -> Optional[str]:
    value = raw.get("id") if isinstance(raw, dict) else None
    return value if isinstance(value, str) else None


def parse_item(raw: Any, device: KioskDevice, lookups: _Lookups,
               now: dt.datetime) -> tuple[Optional[NewResponse], dict[str, list[str]]]:
    """Check one batch item; returns a :class:`NewResponse` or field → error codes."""
    if not isinstance(raw, dict):
        return None, {"": ["not_an_object"]}
    errors: dict[str, list[str]] = {}
    for name in sorted(set(raw) - ITEM_FIELDS):
        errors.setdefault(name, []).append("unknown_field")
    response_id = _parse_uuid(raw.get("id"), errors)
    submitted_at = _parse_time(raw.get("submitted_at"), now, errors)
    partial = raw.get("partial", False)
    if not isinstance(partial, bool):
        errors.setdefault("partial", []).append("invalid")
        partial = False
    locale = raw.get("locale")
    if locale not in ("vi", "en"):
        errors.setdefault("locale", []).append("unknown_locale")
    questionnaire = _parse_version(raw.get("questionnaire_version"), lookups, errors)
    service = _parse_service(raw.get("service"), partial, lookups, errors)
    answers = _parse_answers(raw.get("answers"), questionnaire, errors)
    reasons = _parse_reasons(raw.get("reasons", []), questionnaire, errors)
    if errors:
        return None, errors
    # Each parser recorded an error wherever it returned None, so none is None here.
    assert response_id and questionnaire and submitted_at and isinstance(locale, str)
    return NewResponse(id=response_id, unit=device.unit, questionnaire=questionnaire,
                       channel=Channel.kiosk, locale=locale, answers=answers, service=service,
                       submitted_at=submitted_at, reasons=reasons, device=device,
                       partial=partial), {}


def _parse_uuid(value: Any, errors: dict) -> Optional[uuid.UUID]:
    try:
        return uuid.UUID(value) if isinstance(value, str) else _fail(errors, "id", "required")
    except ValueError:
        return _fail(errors, "id", "not_a_uuid")


def _parse_time(value: Any, now: dt.datetime, errors: dict) -> Optional[dt.datetime]:
    if not isinstance(value, str):
        return _fail(errors, "submitted_at", "required")
    try:
        moment = dt.datetime.fromisoformat(value)
    except ValueError:
        return _fail(errors, "submitted_at", "not_iso8601")
    if moment.tzinfo is None:
        return _fail(errors, "submitted_at", "offset_required")
    try:
        moment = moment.astimezone(dt.timezone.utc)
    except OverflowError:  # e.g. year 1 with a positive offset
        return _fail(errors, "submitted_at", "out_of_range")
    if moment < EARLIEST:
        return _fail(errors, "submitted_at", "out_of_range")
    if moment - now > MAX_CLOCK_AHEAD:
        return _fail(errors, "submitted_at", "in_the_future")
    return moment


def _parse_version(value: Any, lookups: _Lookups, errors: dict) -> Optional[Questionnaire]:
    if isinstance(value, bool) or not isinstance(value, int):
        return _fail(errors, "questionnaire_version", "required")
    if not 1 <= value <= MAX_VERSION:
        return _fail(errors, "questionnaire_version", "unknown_version")
    questionnaire = lookups.questionnaire(value)
    return questionnaire or _fail(errors, "questionnaire_version", "unknown_version")


def _parse_service(value: Any, partial: bool, lookups: _Lookups,
                   errors: dict) -> Optional[Service]:
    if value is None:
        return None if partial else _fail(errors, "service", "required")
    service = lookups.services.get(value) if isinstance(value, str) else None
    return service or _fail(errors, "service", "unknown_service")


def _parse_answers(value: Any, questionnaire: Optional[Questionnaire],
                   errors: dict) -> dict[str, Optional[int]]:
    if not isinstance(value, dict) or not value:
        _fail(errors, "answers", "required")
        return {}
    if questionnaire is None:
        return {}
    # Required items are checked even for a partial response: the kiosk keeps a partial
    # response only when the overall question was answered.
    for code, codes in validate_answers(questionnaire, value).items():
        errors.setdefault(f"answers.{code}", []).extend(codes)
    return dict(value)


def _parse_reasons(value: Any, questionnaire: Optional[Questionnaire],
                   errors: dict) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        _fail(errors, "reasons", "invalid")
        return []
    if questionnaire is not None:
        known = {r["code"] for r in questionnaire.definition.get("reasons", [])}
        for code in sorted(set(value) - known):
            errors.setdefault("reasons", []).append(f"unknown_reason:{code}")
    return list(value)


def _fail(errors: dict, name: str, code: str) -> Any:
    """Record the error code; returns None, so that parsers can ``return _fail(...)``."""
    errors.setdefault(name, []).append(code)
    return None
