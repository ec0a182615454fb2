"""``flask survey ...``: command-line tasks for the IT officer."""
from __future__ import annotations

import json
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from .cli_locale import LocaleGroup
from .extensions import db
from .kiosk_cli import kiosk_cli
from .services import catalogue
from .services.errors import ServiceError

survey_cli = LocaleGroup("survey", help="Survey platform tasks (demo data, questionnaires, ...). "
                         "Output is in Vietnamese; set SURVEY_CLI_LANG=en for English.")
survey_cli.add_command(kiosk_cli)


@survey_cli.command("seed-demo")
def seed_demo() -> None:
    """Load services, questionnaire v1 and the Nghệ An demo units if the database is empty."""
    if catalogue.seed_demo(db.session):
        db.session.commit()
        click.echo(_("Demo data loaded (Nghệ An, clearly labelled demo units)."))
    else:
        click.echo(_("Database already has units; demo data not loaded."))
    base = current_app.config["PUBLIC_URL"].rstrip("/")
    links = [(_("Home page:"), f"{base}/"),
             (_("Demo survey (phone):"), f"{base}/s/NA-VINH/Q1"),
             (_("Same, in English:"), f"{base}/s/NA-VINH/Q1?lang=en"),
             (_("Receipt-code entry:"), f"{base}/r"),
             (_("Counter kiosk:"), f"{base}/kiosk/")]
    width = max(len(label) for label, _url in links) + 2
    for label, url in links:
        click.echo(f"{label:<{width}}{url}")
    click.echo(_("Kiosk pairing code: run %(command)s",
                 command="flask --app wsgi survey kiosk add --unit NA-VINH-Q3 --name 'Quầy 3'"))


@survey_cli.command("demo-responses")
@click.option("--count", type=int, default=600, show_default=True,
              help="How many synthetic responses to add.")
def demo_responses(count: int) -> None:
    """Add synthetic responses at the demo counters (NA-DEMO*) only, to try the index."""
    from .services.catalogue.demo import add_demo_responses

    try:
        stored = add_demo_responses(db.session, count)
    except ServiceError as exc:
        raise click.ClickException(str(exc.message)) from exc
    db.session.commit()
    click.echo(_("Added %(count)s synthetic responses at the demo counters over the last "
                 "180 days. Try: %(command)s", count=stored,
                 command="flask --app wsgi survey index --period 2026 --unit NA --by unit"))


questionnaire_cli = AppGroup("questionnaire", help="Questionnaire versions.")
survey_cli.add_command(questionnaire_cli)

#: Questionnaire states as the operator reads them.
STATUS = {"draft": _l("draft"), "published": _l("published"), "retired": _l("retired")}


@questionnaire_cli.command("load")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path),
                required=False)
@click.option("--draft", is_flag=True, help="Store without publishing.")
def load_questionnaire(path: Path | None, draft: bool) -> None:
    """Store a questionnaire JSON file (default: the shipped v1) as a new version."""
    try:
        definition = json.loads(path.read_text("utf-8")) if path else None
        questionnaire = catalogue.load_questionnaire(db.session, definition, publish=not draft)
    except (ServiceError, ValueError, KeyError) as exc:
        raise click.ClickException(_("Cannot load the questionnaire: %(error)s",
                                     error=str(exc))) from exc
    db.session.commit()
    click.echo(_("Questionnaire v%(version)s: %(status)s, %(items)s items",
                 version=questionnaire.version, status=STATUS[questionnaire.status.value],
                 items=len(questionnaire.items)))


@survey_cli.command("purge-contacts")
def purge_contacts() -> None:
    """Delete contact details past their retention date (run daily from cron)."""
    from .services.intake.responses import purge_contacts as purge

    count = purge(db.session)
    db.session.commit()
    click.echo(_("Deleted %(count)s contact record(s) past retention.", count=count))


token_cli = AppGroup("token", help="API tokens for integrations and the index API.")
survey_cli.add_command(token_cli)


@token_cli.command("create")
@click.option("--name", required=True, help="Who or what uses the token.")
def create_token(name: str) -> None:
    """Create an API token; it is printed once, alone on the last line."""
    from .services.devices import tokens

    row, token = tokens.create_api_token(db.session, name)
    db.session.commit()
    click.echo(_("API token #%(id)s '%(name)s' created. Store it now; it is not shown again:",
                 id=row.id, name=row.name))
    click.echo(token)  # alone on the last line: scripts read it


@token_cli.command("list")
def list_tokens() -> None:
    """List API tokens (never the tokens themselves)."""
    from .services.devices import tokens

    for row in tokens.list_api_tokens(db.session):
        state = _("revoked") if row.revoked_at else _("active")
        used = row.last_used_at.isoformat(timespec="seconds") if row.last_used_at else "-"
        click.echo(f"{row.id}\t{row.name}\t{state}\t" + _("last used %(time)s", time=used))


@token_cli.command("revoke")
@click.argument("token_id", type=int)
def revoke_token(token_id: int) -> None:
    """Revoke an API token by id."""
    from .services.devices import tokens

    try:
        row = tokens.revoke_api_token(db.session, token_id)
    except ServiceError as exc:
        raise click.ClickException(str(exc.message)) from exc
    db.session.commit()
    click.echo(_("API token #%(id)s revoked.", id=row.id))


from .print_cli import posters_command, qr_command, receipts_cli, units_cli  # noqa: E402

survey_cli.add_command(units_cli)
survey_cli.add_command(posters_command)
survey_cli.add_command(qr_command)
survey_cli.add_command(receipts_cli)


from .index_cli import index_command, served_cli  # noqa: E402

survey_cli.add_command(index_command)
survey_cli.add_command(served_cli)
