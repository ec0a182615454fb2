"""``flask survey audit``: the audit log, oldest first, one event a line."""
from __future__ import annotations

import datetime as dt
import json
from typing import Optional

import click
import sqlalchemy as sa
from flask_babel import gettext as _

from ..extensions import current_session
from ..models import Unit
from ..services.audit import Action, AuditFilter, all_events
from ..timeutil import format_local, local_midnight_utc

DAY = click.DateTime(formats=["%Y-%m-%d"])


@click.command("audit")
@click.option("--since", type=DAY, help="From this day on (Vietnam time), e.g. 2026-12-01.")
@click.option("--until", type=DAY, help="Up to and including this day.")
@click.option("--action", type=click.Choice(Action.all()), help="Only this action.")
@click.option("--user", "actor", help="Only what this user (e-mail) or cli did.")
def audit_command(since: Optional[dt.datetime], until: Optional[dt.datetime],
                  action: Optional[str], actor: Optional[str]) -> None:
    """Print the audit log: time, who, action, result, object, unit, details."""
    wanted = AuditFilter(
        action=action, actor=actor,
        since=local_midnight_utc(since.date()) if since else None,
        until=local_midnight_utc(until.date() + dt.timedelta(days=1)) if until else None)
    events = all_events(current_session(), wanted)
    codes = {unit_id: code for unit_id, code in current_session().execute(
        sa.select(Unit.id, Unit.code))}
    for event in events:
        target = f"{event.object_type}#{event.object_id}" if event.object_type else "-"
        unit = codes.get(event.unit_id, "-") if event.unit_id is not None else "-"
        detail = json.dumps(event.detail, ensure_ascii=False, sort_keys=True) \
            if event.detail else "-"
        click.echo("\t".join([format_local(event.at), event.actor_label, event.action,
                              event.outcome.value, target, unit, detail]))
    if not events:
        click.echo(_("No audit events match."), err=True)
