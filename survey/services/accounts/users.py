"""Staff accounts: creating users, their grants, one-time set-password links, deactivation.

Every change is written to the audit log in the same transaction, by ``actor``
(:data:`survey.services.audit.CLI` for the command line, the signed-in admin on the
web). Functions flush; callers commit. Refused input raises :class:`ServiceError` with
``errors`` keyed by the form field it concerns (``email``, ``role``, ``unit``,
``password``).
"""
from __future__ import annotations

import datetime as dt
import re
import secrets
from typing import Any, Callable, Optional, TypeVar

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session, selectinload

from ...models import Grant, PasswordPurpose, PasswordToken, Role, Unit, User, utcnow
from .. import audit, catalogue
from ..audit import Action, Actor
from ..devices.tokens import hash_token
from ..errors import NotFound, ServiceError
from ..transactions import affected
from .passwords import hash_password, password_problems, random_password

T = TypeVar("T")

#: How long a set-password link works.
LINK_VALIDITY = dt.timedelta(hours=24)
#: Loose on purpose: the address is a sign-in name, checked by the person it belongs to.
EMAIL_RE = re.compile(r"[^@\s]{1,64}@[^@\s.]+(\.[^@\s.]+)+")
DEMO_ADMIN_EMAIL = "demo-admin@example.org"
#: Where a set-password link points, below the public base URL.
LINK_PATH = "/admin/password/"


def normalize_email(text: str) -> str:
    return text.strip().lower()


def check_email(text: str) -> str:
    """The address in lower case; a field error if it cannot be one."""
    email = normalize_email(text)
    if len(email) > 254 or not EMAIL_RE.fullmatch(email):
        raise ServiceError(_l("Check the e-mail address."),
                           {"email": [_l("Enter an e-mail address such as ten@nghean.gov.vn.")]})
    return email


def parse_role(text: str) -> Role:
    try:
        return Role(text.strip().lower())
    except ValueError:
        raise ServiceError(_l("Unknown role."), {"role": [_l(
            "Unknown role “%(role)s”: choose admin, manager, viewer or handler.",
            role=text.strip()[:40])]}) from None


def _grant_unit(session: Session, code: str) -> Unit:
    unit = catalogue.unit_by_code(session, code)
    if unit is None:
        raise NotFound(_l("Unknown unit."), {"unit": [_l(
            "There is no active unit “%(code)s”.", code=code.strip()[:40])]})
    return unit


def _checked(errors: dict[str, list], check: Callable[..., T], *args: Any) -> Optional[T]:
    """``check(*args)``, or ``None`` with its field errors added to ``errors``: so that a
    form hears about every field at once."""
    try:
        return check(*args)
    except ServiceError as exc:
        for name, messages in exc.errors.items():
            errors.setdefault(name, []).extend(messages)
        return None


def _refuse(errors: dict[str, list]) -> None:
    """Raise the errors collected, if any; the message is all of them (the command line
    shows it, forms show each next to its field)."""
    if errors:
        raise ServiceError(" ".join(str(m) for messages in errors.values() for m in messages),
                           errors)


def user_by_email(session: Session, email: str) -> Optional[User]:
    return session.scalar(sa.select(User).filter_by(email=normalize_email(email)))


def find_user(session: Session, email: str) -> User:
    """The user with ``email``; :class:`NotFound` otherwise."""
    user = user_by_email(session, email)
    if user is None:
        raise NotFound(_l("No user with the e-mail address %(email)s.", email=email.strip()),
                       {"email": [_l("No user has this e-mail address.")]})
    return user


def get_user(session: Session, user_id: int) -> Optional[User]:
    return session.get(User, user_id)


def list_users(session: Session) -> list[User]:
    """Every user, by e-mail, with their grants and units loaded."""
    return list(session.scalars(sa.select(User).order_by(User.email).options(
        selectinload(User.grants).selectinload(Grant.unit))))


def new_user_problems(session: Session, email: str, role: str,
                      unit_code: str) -> dict[str, list]:
    """What is wrong with a new user's e-mail, role and unit, by field; {} if nothing."""
    errors: dict[str, list] = {}
    address = _checked(errors, check_email, email)
    _checked(errors, parse_role, role)
    _checked(errors, _grant_unit, session, unit_code)
    if address is not None and user_by_email(session, address) is not None:
        errors.setdefault("email", []).append(_l("This e-mail address is already in use."))
    return errors


def create_user(session: Session, email: str, role: str, unit_code: str, actor: Actor,
                now: Optional[dt.datetime] = None) -> tuple[User, str]:
    """Create a user with one grant; returns the user and a set-password token (24 h)."""
    _refuse(new_user_problems(session, email, role, unit_code))
    user = User(email=check_email(email))
    session.add(user)
    session.flush()
    parsed_role, unit = parse_role(role), _grant_unit(session, unit_code)
    audit.record(session, Action.USER_CREATED, actor, object_type="user", object_id=user.id,
                 unit_id=unit.id, detail={"role": parsed_role.value})
    _add_grant(session, user, parsed_role, unit, actor)
    return user, issue_link(session, user, PasswordPurpose.set, actor, now)


def issue_link(session: Session, user: User, purpose: PasswordPurpose, actor: Actor,
               now: Optional[dt.datetime] = None) -> str:
    """A new one-time set-password token for ``user``; earlier unused ones stop working."""
    if not user.active:
        raise ServiceError(_l("%(email)s is deactivated; activate the account first.",
                              email=user.email))
    now = now or utcnow()
    session.execute(sa.delete(PasswordToken).where(PasswordToken.user_id == user.id,
                                                   PasswordToken.used_at.is_(None)))
    token = secrets.token_urlsafe(32)
    session.add(PasswordToken(user_id=user.id, token_hash=hash_token(token), purpose=purpose,
                              created_at=now, expires_at=now + LINK_VALIDITY))
    audit.record(session, Action.PASSWORD_LINK, actor, object_type="user", object_id=user.id,
                 detail={"purpose": purpose.value}, at=now)
    return token


def link_url(public_url: str, token: str) -> str:
    return public_url.rstrip("/") + LINK_PATH + token


def valid_link(session: Session, token: str,
               now: Optional[dt.datetime] = None) -> Optional[PasswordToken]:
    """The unused, unexpired link of an active user for ``token``; ``None`` otherwise."""
    if not token or len(token) > 100:
        return None
    link = session.scalar(sa.select(PasswordToken).filter_by(token_hash=hash_token(token)))
    if link is None or link.used_at is not None or link.expires_at <= (now or utcnow()) \
            or not link.user.active:
        return None
    return link


def set_password(session: Session, token: str, password: str,
                 now: Optional[dt.datetime] = None) -> User:
    """Set the password of the link's user and use the link up.

    Every session the user had ends (their session version moves on). The link works
    once: a conditional UPDATE claims it, so two tabs cannot both use it.
    """
    now = now or utcnow()
    link = valid_link(session, token, now)
    if link is None:
        raise NotFound(_l("This link has expired or has already been used. Ask an "
                          "administrator for a new one."))
    user = link.user
    problems = password_problems(password, user.email)
    if problems:
        raise ServiceError(_l("Choose another password."), {"password": problems})
    claimed = session.execute(
        sa.update(PasswordToken)
        .where(PasswordToken.id == link.id, PasswordToken.used_at.is_(None))
        .values(used_at=now))
    if affected(claimed) != 1:
        raise NotFound(_l("This link has expired or has already been used. Ask an "
                          "administrator for a new one."))
    user.password_hash = hash_password(password)
    user.password_changed_at = now
    user.session_version += 1
    audit.record(session, Action.PASSWORD_SET, Actor.of(user), object_type="user",
                 object_id=user.id, detail={"purpose": link.purpose.value}, at=now)
    return user


def _add_grant(session: Session, user: User, role: Role, unit: Unit, actor: Actor) -> Grant:
    if any(g.role is role and g.unit_id == unit.id for g in user.grants):
        raise ServiceError(_l("%(email)s already has this role for this unit.",
                              email=user.email),
                           {"unit": [_l("This role is already granted for this unit.")]})
    grant = Grant(role=role, unit=unit)
    user.grants.append(grant)
    session.flush()
    audit.record(session, Action.GRANT_ADDED, actor, object_type="user", object_id=user.id,
                 unit_id=unit.id, detail={"role": role.value, "grant": grant.id})
    return grant


def add_grant(session: Session, user: User, role: str, unit_code: str, actor: Actor) -> Grant:
    """Give ``user`` a role over a unit's subtree."""
    errors: dict[str, list] = {}
    parsed_role = _checked(errors, parse_role, role)
    unit = _checked(errors, _grant_unit, session, unit_code)
    _refuse(errors)
    assert parsed_role is not None and unit is not None
    return _add_grant(session, user, parsed_role, unit, actor)


def find_grant(user: User, role: str, unit_code: str) -> Grant:
    """``user``'s grant of ``role`` over ``unit_code``; :class:`NotFound` otherwise."""
    parsed, code = parse_role(role), unit_code.strip().upper()
    for grant in user.grants:
        if grant.role is parsed and grant.unit.code == code:
            return grant
    raise NotFound(_l("%(email)s has no %(role)s role for %(unit)s.", email=user.email,
                      role=parsed.value, unit=code))


def remove_grant(session: Session, user: User, grant_id: int, actor: Actor) -> Grant:
    """Take a grant away; the last admin grant of the active users stays."""
    grant = next((g for g in user.grants if g.id == grant_id), None)
    if grant is None:
        raise NotFound(_l("No such grant."))
    if grant.role is Role.admin:
        _keep_an_admin(session, leaving={grant.id})
    user.grants.remove(grant)
    session.flush()
    audit.record(session, Action.GRANT_REMOVED, actor, object_type="user", object_id=user.id,
                 unit_id=grant.unit_id, detail={"role": grant.role.value, "grant": grant_id})
    return grant


def _keep_an_admin(session: Session, leaving: set[int]) -> None:
    """Refuse a change that would leave no active user with an admin grant."""
    remaining = session.scalar(
        sa.select(sa.func.count(Grant.id)).join(User)
        .where(Grant.role == Role.admin, User.active.is_(True), Grant.id.not_in(leaving)))
    if not remaining:
        raise ServiceError(_l("This is the last administrator; appoint another one first."))


def deactivate_user(session: Session, user: User, actor: Actor) -> User:
    """Stop ``user`` from signing in; their sessions and unused links end now."""
    if not user.active:
        return user
    admin_grants = {g.id for g in user.grants if g.role is Role.admin}
    if admin_grants:
        _keep_an_admin(session, leaving=admin_grants)
    user.active = False
    user.session_version += 1
    session.execute(sa.delete(PasswordToken).where(PasswordToken.user_id == user.id,
                                                   PasswordToken.used_at.is_(None)))
    audit.record(session, Action.USER_DEACTIVATED, actor, object_type="user",
                 object_id=user.id)
    return user


def activate_user(session: Session, user: User, actor: Actor) -> User:
    """Let a deactivated user sign in again (with the password they had)."""
    if not user.active:
        user.active = True
        session.flush()
        audit.record(session, Action.USER_ACTIVATED, actor, object_type="user",
                     object_id=user.id)
    return user


def create_demo_admin(session: Session) -> tuple[str, str]:
    """An admin for the demo (``demo-admin@example.org``) with a fresh random password,
    over the first province: created if missing, its password replaced if not. Returns
    the e-mail and the password, to print once. For demo data only."""
    root = session.scalar(sa.select(Unit).where(Unit.parent_id.is_(None)).order_by(Unit.code))
    if root is None:
        raise ServiceError(_l("Load the units first."))
    user = user_by_email(session, DEMO_ADMIN_EMAIL)
    if user is None:
        user = User(email=DEMO_ADMIN_EMAIL)
        session.add(user)
        session.flush()
        audit.record(session, Action.USER_CREATED, audit.CLI, object_type="user",
                     object_id=user.id, unit_id=root.id, detail={"role": "admin", "demo": True})
    if not any(g.role is Role.admin for g in user.grants):
        _add_grant(session, user, Role.admin, root, audit.CLI)
    password = random_password()
    user.active = True
    user.password_hash = hash_password(password)
    user.password_changed_at = utcnow()
    user.session_version += 1
    audit.record(session, Action.PASSWORD_SET, audit.CLI, object_type="user",
                 object_id=user.id, detail={"demo": True})
    return user.email, password
