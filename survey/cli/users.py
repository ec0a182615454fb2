"""``flask survey users create|reset|list|grant|revoke|deactivate|activate``: staff accounts
of the manager web app (/admin).

No e-mail server is needed: ``create`` and ``reset`` print a one-time set-password link
(24 h) alone on the last line, for the administrator to pass on. Every change is in
the audit log, by ``cli``.
"""
from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup
from flask_babel import gettext as _

from ..extensions import current_session
from ..models import PasswordPurpose
from ..services import accounts, audit
from ..services.accounts import users as account_users
from ..timeutil import format_local
from .errors import service_errors

users_cli = AppGroup("users", help="Staff accounts for the manager web app (/admin).")

ROLES = click.Choice(["admin", "manager", "viewer", "handler"], case_sensitive=False)
email_option = click.option("--email", required=True, help="The user's e-mail address.")
role_option = click.option("--role", required=True, type=ROLES,
                           help="admin (everything), manager, viewer or handler.")
unit_option = click.option("--unit", "unit_code", required=True,
                           help="Unit code whose subtree the role covers, e.g. NA-VINH.")


def _print_link(token: str) -> None:
    link = accounts.valid_link(current_session(), token)
    assert link is not None  # just issued
    click.echo(_("One-time link to set the password, valid until %(time)s (pass it on; it "
                 "is not shown again):", time=format_local(link.expires_at)))
    click.echo(accounts.link_url(current_app.config["PUBLIC_URL"], token))  # the last line


@users_cli.command("create")
@email_option
@role_option
@unit_option
@service_errors
def create_user(email: str, role: str, unit_code: str) -> None:
    """Create a user with one role; prints a one-time set-password link on the last line."""
    user, token = accounts.create_user(current_session(), email, role, unit_code, audit.CLI)
    current_session().commit()
    click.echo(_("User %(email)s created: %(role)s of %(unit)s.", email=user.email,
                 role=role.lower(), unit=unit_code.strip().upper()))
    _print_link(token)


@users_cli.command("reset")
@email_option
@service_errors
def reset_password(email: str) -> None:
    """A new set-password link for a user (earlier links stop working)."""
    user = accounts.find_user(current_session(), email)
    purpose = PasswordPurpose.reset if user.password_hash else PasswordPurpose.set
    token = accounts.issue_link(current_session(), user, purpose, audit.CLI)
    current_session().commit()
    click.echo(_("New link for %(email)s; earlier links no longer work.", email=user.email))
    _print_link(token)


@users_cli.command("list")
def list_users() -> None:
    """Every user: e-mail, state, roles (role@unit) and last sign-in (Vietnam time)."""
    for user in accounts.list_users(current_session()):
        state = (_("deactivated") if not user.active else
                 _("password not set") if not user.password_hash else _("active"))
        roles = ", ".join(f"{g.role.value}@{g.unit.code}" for g in user.grants) or "-"
        click.echo(f"{user.email}\t{state}\t{roles}\t"
                   + _("last sign-in %(time)s", time=format_local(user.last_sign_in_at)))


@users_cli.command("grant")
@email_option
@role_option
@unit_option
@service_errors
def grant(email: str, role: str, unit_code: str) -> None:
    """Give a user a role over a unit and everything below it."""
    user = accounts.find_user(current_session(), email)
    accounts.add_grant(current_session(), user, role, unit_code, audit.CLI)
    current_session().commit()
    click.echo(_("%(email)s: %(role)s of %(unit)s granted.", email=user.email,
                 role=role.lower(), unit=unit_code.strip().upper()))


@users_cli.command("revoke")
@email_option
@role_option
@unit_option
@service_errors
def revoke(email: str, role: str, unit_code: str) -> None:
    """Take a role over a unit away from a user."""
    user = accounts.find_user(current_session(), email)
    found = account_users.find_grant(user, role, unit_code)
    accounts.remove_grant(current_session(), user, found.id, audit.CLI)
    current_session().commit()
    click.echo(_("%(email)s: %(role)s of %(unit)s removed.", email=user.email,
                 role=role.lower(), unit=unit_code.strip().upper()))


@users_cli.command("deactivate")
@email_option
@service_errors
def deactivate(email: str) -> None:
    """Stop a user from signing in; their sessions end at once."""
    user = accounts.find_user(current_session(), email)
    accounts.deactivate_user(current_session(), user, audit.CLI)
    current_session().commit()
    click.echo(_("%(email)s deactivated.", email=user.email))


@users_cli.command("activate")
@email_option
@service_errors
def activate(email: str) -> None:
    """Let a deactivated user sign in again."""
    user = accounts.find_user(current_session(), email)
    account_users.activate_user(current_session(), user, audit.CLI)
    current_session().commit()
    click.echo(_("%(email)s activated.", email=user.email))
