"""Staff accounts of the manager web app: users, their (role, unit) grants and one-time
set-password links."""
from __future__ import annotations

import datetime as dt
import enum
from typing import Optional

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import Model
from .types import UTCDateTime, utcnow


class Role(enum.Enum):
    """What a grant allows; survey/admin/permissions.py maps permissions to roles."""

    admin = "admin"
    manager = "manager"
    viewer = "viewer"
    handler = "handler"


class PasswordPurpose(enum.Enum):
    #: The first password of a new account.
    set = "set"
    #: A new password after an admin's reset.
    reset = "reset"


class User(Model):
    """A member of staff who signs in to /admin; never deleted, deactivated instead."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Sign-in name, stored lower case (e-mail addresses are compared without case).
    email: Mapped[str] = mapped_column(sa.String(254), unique=True)
    #: argon2id hash; ``None`` until the user follows their set-password link.
    password_hash: Mapped[Optional[str]] = mapped_column(sa.String(255))
    #: Inactive users cannot sign in; their sessions end at their next request.
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    password_changed_at: Mapped[Optional[dt.datetime]] = mapped_column(UTCDateTime())
    last_sign_in_at: Mapped[Optional[dt.datetime]] = mapped_column(UTCDateTime())
    #: Part of every session's user id: raising it (password change, deactivation)
    #: ends every session signed in before.
    session_version: Mapped[int] = mapped_column(default=1)

    grants: Mapped[list["Grant"]] = relationship(
        back_populates="user", order_by="Grant.id", cascade="all, delete-orphan")

    __table_args__ = (sa.CheckConstraint("email = lower(email)", name="email_lower"),)

    # Flask-Login's user protocol ------------------------------------------------------
    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_active(self) -> bool:
        return self.active

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str:
        """``"<id>:<session_version>"``: a session signed in before the version changed
        no longer finds its user."""
        return f"{self.id}:{self.session_version}"

    def roles(self) -> set[Role]:
        return {grant.role for grant in self.grants}

    def __repr__(self) -> str:
        return f"<User {self.email}>"


class Grant(Model):
    """One role over one unit's subtree (an admin grant covers every unit)."""

    __tablename__ = "grants"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    role: Mapped[Role] = mapped_column(
        sa.Enum(Role, name="role", native_enum=False, length=16))
    unit_id: Mapped[int] = mapped_column(sa.ForeignKey("units.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)

    user: Mapped[User] = relationship(back_populates="grants")
    unit = relationship("Unit")

    __table_args__ = (sa.UniqueConstraint("user_id", "role", "unit_id"),)


class PasswordToken(Model):
    """A one-time set-password link; only the SHA-256 of its token is stored."""

    __tablename__ = "password_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    purpose: Mapped[PasswordPurpose] = mapped_column(
        sa.Enum(PasswordPurpose, name="password_purpose", native_enum=False, length=16))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    #: Set atomically when the password is set; the link then stops working.
    used_at: Mapped[Optional[dt.datetime]] = mapped_column(UTCDateTime())

    user: Mapped[User] = relationship()
