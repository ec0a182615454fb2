"""Counter kiosks: pairing, device tokens and idempotent batch ingestion of responses."""
from __future__ import annotations

import bisect
import datetime as dt
import secrets
import uuid
from dataclasses import dataclass, field
from typing import Any, Optional

from flask_babel import lazy_gettext as _l
import sqlalchemy as sa
from sqlalchemy.orm import Session

from ...models import Channel, KioskDevice, Response, ResponseStatus, utcnow
from ...models.responses import RESTORED
from .. import catalogue
from ..accounts.scope import Scope
from ..errors import NotFound, ServiceError
from ..catalogue import snapshot
from ..catalogue.snapshot import Catalogue, QuestionnaireView, ServiceView, UnitLike
from ..intake.responses import (NewResponse, check_response, store_responses,
                                validate_answers)
from ..intake.sampling import not_asked
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
    #: How many of those stored now were flagged, by reason (for the metrics).
    flagged: dict[str, int] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {"accepted": self.accepted, "duplicates": self.duplicates,
                "rejected": self.rejected}


@dataclass
class _Lookups:
    """Questionnaire versions and services, from the app's copy of the catalogue."""

    catalogue: Catalogue
    services: dict[str, ServiceView] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.services = {s.code: s for s in self.catalogue.active_services}

    def questionnaire(self, version: int) -> Optional[QuestionnaireView]:
        return self.catalogue.questionnaire(version)


def ingest_batch(session: Session, device: KioskDevice, items: list[Any],
                 min_interval: float = 5, now: Optional[dt.datetime] = None) -> BatchResult:
    """Store a kiosk's batch; a bad item never blocks the others.

    The device row is written first so that batches of one device are applied one at a
    time (a row lock on PostgreSQL, the write lock on SQLite); that keeps the too-fast
    check consistent. Then: one query for the ids already stored, one for the device's
    completed responses around the batch's times (the too-fast check), one multi-row
    insert per table, and one UPDATE for stored responses that a late arrival makes too
    fast.
    """
    now = now or utcnow()
    session.execute(sa.update(KioskDevice).where(KioskDevice.id == device.id)
                    .values(last_seen_at=now))
    cat = snapshot.current(session)
    lookups = _Lookups(cat)
    unit = cat.units_by_id[device.unit_id]
    result = BatchResult()
    parsed: list[tuple[str, NewResponse]] = []
    for raw in items:
        new, errors = parse_item(raw, device, lookups, now, unit)
        if errors or new is None:
            result.rejected.append({"id": _raw_id(raw), "errors": errors})
        else:
            parsed.append((raw["id"], new))
    # Which ids are stored already, and by which device: one query for the whole batch.
    known = dict(session.execute(sa.select(Response.id, Response.device_id).where(
        Response.id.in_({new.id for _raw, new in parsed}))).all()) if parsed else {}
    fresh: list[tuple[str, NewResponse]] = []
    for raw_id, new in parsed:
        try:
            check_response(new)
        except ServiceError as exc:
            result.rejected.append({"id": raw_id,
                                    "errors": exc.errors or {"": [str(exc.message)]}})
            continue
        if new.id in known:
            owner = known[new.id]
            if owner == device.id:
                result.duplicates.append(raw_id)
            else:
                result.rejected.append({"id": raw_id, "errors": {"id": ["id_taken"]}})
        else:
            known[new.id] = device.id  # a second copy in the same batch is a duplicate
            fresh.append((raw_id, new))
    if fresh:
        _store_fresh(session, device, fresh, min_interval, result)
    return result


def _store_fresh(session: Session, device: KioskDevice, fresh: list[tuple[str, NewResponse]],
                 min_interval: float, result: BatchResult) -> None:
    """Flag, then insert, the batch's new responses (all valid) in bulk."""
    later = _flag_too_fast(session, device, [new for _raw, new in fresh], min_interval)
    stored = store_responses(session, [new for _raw, new in fresh])
    for raw_id, new in fresh:
        if new.id in stored:
            result.accepted.append(raw_id)
            if new.status is ResponseStatus.flagged and new.status_reason:
                result.flagged[new.status_reason] = result.flagged.get(new.status_reason, 0) + 1
    missed = [(raw_id, new) for raw_id, new in fresh if new.id not in stored]
    if missed:
        # Stored meanwhile by a concurrent request (the primary key said so).
        owners = dict(session.execute(sa.select(Response.id, Response.device_id).where(
            Response.id.in_([new.id for _raw, new in missed]))).all())
        for raw_id, new in missed:
            if owners.get(new.id) == device.id:
                result.duplicates.append(raw_id)
            else:
                result.rejected.append({"id": raw_id, "errors": {"id": ["id_taken"]}})
    if later:
        session.execute(sa.update(Response).where(
            Response.id.in_(later), Response.status == ResponseStatus.valid,
            # One a manager restored stays restored.
            sa.or_(Response.status_reason.is_(None), Response.status_reason != RESTORED))
            .values(status=ResponseStatus.flagged, status_reason=TOO_FAST))


def _flag_too_fast(session: Session, device: KioskDevice, news: list[NewResponse],
                   min_interval: float) -> list[uuid.UUID]:
    """Flag each new completed response that follows the device's previous completed one
    (stored, or earlier in the batch) by less than ``min_interval`` seconds; returns the
    ids of stored valid responses that a new one now precedes that closely.

    Same outcome as taking the batch oldest first and comparing each response with its
    neighbours in time, with one query: the device's completed responses from
    ``min_interval`` before the batch's first time to as long after its last.
    """
    completed = sorted((new for new in news if not new.partial and new.submitted_at),
                       key=lambda new: new.submitted_at or EARLIEST)
    if not completed:
        return []
    gap = dt.timedelta(seconds=min_interval)
    first, last = completed[0].submitted_at, completed[-1].submitted_at
    assert first is not None and last is not None
    rows = session.execute(
        sa.select(Response.submitted_at, Response.id, Response.status)
        .where(Response.device_id == device.id, Response.partial.is_(False),
               Response.submitted_at >= first - gap, Response.submitted_at <= last + gap)
        .order_by(Response.submitted_at)).all()
    # (time, order, id, stored status): the timeline the check walks, kept sorted.
    timeline: list[tuple[dt.datetime, int, uuid.UUID, Optional[ResponseStatus]]] = [
        (row.submitted_at, 0, row.id, row.status) for row in rows]
    later: list[uuid.UUID] = []
    for new in completed:
        moment = new.submitted_at
        assert moment is not None
        place = bisect.bisect_right(timeline, (moment, 2))  # after equal times too
        if place and (moment - timeline[place - 1][0]).total_seconds() < min_interval:
            new.status, new.status_reason = ResponseStatus.flagged, TOO_FAST
        if place < len(timeline):
            after = timeline[place]
            if (after[3] is ResponseStatus.valid and after[2] not in later
                    and (after[0] - moment).total_seconds() < min_interval):
                later.append(after[2])
        timeline.insert(place, (moment, 1, new.id, None))
    return later


def _raw_id(raw: Any) -> Optional[str]:
    value = raw.get("id") if isinstance(raw, dict) else None
    return value if isinstance(value, str) else None


def parse_item(raw: Any, device: KioskDevice, lookups: _Lookups, now: dt.datetime,
               unit: UnitLike) -> tuple[Optional[NewResponse], dict[str, list[str]]]:
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
    if questionnaire is not None:
        # A coverage item answered by a claimant of a service it is not asked of.
        for code in not_asked(questionnaire.items, answers,
                              service.code if service is not None else None):
            errors.setdefault(f"answers.{code}", []).append("not_asked")
    reasons = _parse_reasons(raw.get("reasons", []), questionnaire, errors)
    if errors:
        return None, errors
    # Each parser recorded an error wherever it returned None, so none is None here.
    assert response_id and questionnaire and submitted_at and isinstance(locale, str)
    return NewResponse(id=response_id, unit=unit, questionnaire=questionnaire,
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


def _parse_version(value: Any, lookups: _Lookups,
                   errors: dict) -> Optional[QuestionnaireView]:
    if isinstance(value, bool) or not isinstance(value, int):
        return _fail(errors, "questionnaire_version", "required")
    if not 1 <= value <= MAX_VERSION:
        return _fail(errors, "questionnaire_version", "unknown_version")
    questionnaire = lookups.questionnaire(value)
    return questionnaire or _fail(errors, "questionnaire_version", "unknown_version")


def _parse_service(value: Any, partial: bool, lookups: _Lookups,
                   errors: dict) -> Optional[ServiceView]:
    if value is None:
        return None if partial else _fail(errors, "service", "required")
    service = lookups.services.get(value) if isinstance(value, str) else None
    return service or _fail(errors, "service", "unknown_service")


def _parse_answers(value: Any, questionnaire: Optional[QuestionnaireView],
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


def _parse_reasons(value: Any, questionnaire: Optional[QuestionnaireView],
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
