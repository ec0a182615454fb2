"""``flask survey token create|list|revoke``: API tokens for integrations and the index API."""
from __future__ import annotations

import click
from flask.cli import AppGroup
from flask_babel import gettext as _

from ..extensions import current_session
from ..services import audit
from ..services.audit import Action
from ..services.devices import tokens
from ..timeutil import format_local
from .errors import service_errors

token_cli = AppGroup("token", help="API tokens for integrations and the index API.")


@token_cli.command("create")
@click.option("--name", required=True, help="Who or what uses the token.")
@service_errors
def create_token(name: str) -> None:
    """Create an API token; it is printed once, alone on the last line."""
    row, token = tokens.create_api_token(current_session(), name)
    audit.record(current_session(), Action.TOKEN_CREATED, audit.CLI, object_type="api_token",
                 object_id=row.id, detail={"name": row.name})
    current_session().commit()
    click.echo(_("API token #%(id)s '%(name)s' created. Store it now; it is not shown again:",
                 id=row.id, name=row.name))
    click.echo(token)  # alone on the last line: scripts read it


@token_cli.command("list")
def list_tokens() -> None:
    """List API tokens (never the tokens themselves); times are Vietnam time."""
    for row in tokens.list_api_tokens(current_session()):
        state = _("revoked") if row.revoked_at else _("active")
        used = format_local(row.last_used_at)
        click.echo(f"{row.id}\t{row.name}\t{state}\t" + _("last used %(time)s", time=used))


@token_cli.command("revoke")
@click.argument("token_id", type=int)
@service_errors
def revoke_token(token_id: int) -> None:
    """Revoke an API token by id."""
    row = tokens.revoke_api_token(current_session(), token_id)
    audit.record(current_session(), Action.TOKEN_REVOKED, audit.CLI, object_type="api_token",
                 object_id=row.id)
    current_session().commit()
    click.echo(_("API token #%(id)s revoked.", id=row.id))
