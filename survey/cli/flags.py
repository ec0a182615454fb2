"""``flask survey flags scan|list|restore``: responses flagged as suspect (stuffing)."""
from __future__ import annotations

import uuid
from typing import Optional

import click
from flask.cli import AppGroup
from flask_babel import gettext as _

from ..extensions import current_session
from ..models import Unit, utcnow
from ..services import audit
from ..services.audit import Action
from ..services.errors import ServiceError
from ..services.quality import REASONS, review
from ..services.quality.scan import scan
from ..services.reporting.periods import parse_period
from ..timeutil import format_local, local_date
from .errors import service_errors
from .locale import lang_option

flags_cli = AppGroup("flags", help="Suspect responses: scan for bursts, list, restore.")


def _period(text: Optional[str]):
    return parse_period(text or local_date(utcnow()).strftime("%Y-%m"))


def _reason(code: str) -> str:
    return str(REASONS.get(code, code))


@flags_cli.command("scan")
@click.option("--period", help="2026-09 (month), 2026-Q3 or 2026; default: this month.")
@click.option("--alpha", type=click.FloatRange(1e-12, 0.01), default=None,
              help="Tail probability below which a count is a burst (default 1e-6).")
@lang_option()
@service_errors
def scan_command(period: Optional[str], alpha: Optional[float], lang: Optional[str]) -> None:
    """Flag bursts among the period's phone responses (safe to run again: hourly)."""
    found = scan(current_session(), _period(period), alpha)
    current_session().commit()
    codes = dict(current_session().execute(Unit.__table__.select().with_only_columns(
        Unit.id, Unit.code)).all())
    for hour in found.hours:
        click.echo(_("%(unit)s %(hour)s: %(count)s responses in the hour, usual rate "
                     "%(rate).1f, limit %(limit)s", unit=codes.get(hour.unit_id, hour.unit_id),
                     hour=format_local(hour.hour), count=hour.count, rate=hour.rate,
                     limit=hour.limit))
    for reason, count in found.flagged.items():
        click.echo(_("Flagged now: %(count)s (%(reason)s)", count=count,
                     reason=_reason(reason)))


@flags_cli.command("list")
@click.option("--period", help="2026-09 (month), 2026-Q3 or 2026; default: this month.")
@lang_option()
@service_errors
def list_command(period: Optional[str], lang: Optional[str]) -> None:
    """Count the period's flagged responses per unit and reason."""
    figures = review.summary(current_session(), _period(period), limit=0)
    codes = dict(current_session().execute(Unit.__table__.select().with_only_columns(
        Unit.id, Unit.code)).all())
    click.echo(_("Responses: %(total)s; flagged: %(flagged)s; restored: %(restored)s",
                 total=figures.total, flagged=figures.flagged_total,
                 restored=figures.restored))
    for (unit_id, reason), count in sorted(figures.flagged.items()):
        click.echo(f"{codes.get(unit_id, unit_id)}\t{count}\t{_reason(reason)}")


@flags_cli.command("restore")
@click.argument("response_id")
@lang_option()
@service_errors
def restore_command(response_id: str, lang: Optional[str]) -> None:
    """Put one flagged response back into the index (written to the audit log)."""
    try:
        rid = uuid.UUID(response_id)
    except ValueError:
        raise ServiceError(_("Not a response id: %(id)s", id=response_id)) from None
    response, reason = review.restore(current_session(), rid)
    audit.record(current_session(), Action.RESPONSE_RESTORED, audit.CLI,
                 object_type="response", object_id=str(rid), unit_id=response.unit_id,
                 detail={"reason": reason})
    current_session().commit()
    click.echo(_("Restored: %(id)s (%(reason)s)", id=rid, reason=_reason(reason)))
