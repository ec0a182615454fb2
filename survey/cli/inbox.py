"""``flask survey inbox sync|send|digest``: open the feedback inbox's cases for new
responses (a comment, a low rating, a request to be contacted), send the outbox's
messages, and queue each person's daily digest (one message with their unfinished
cases, not one per case). Run them from timers so that cases and their deadlines exist
even on days nobody opens the inbox, and messages whose sender failed are tried again."""
from __future__ import annotations

import datetime as dt

import click
from flask import current_app
from flask.cli import AppGroup
from flask_babel import gettext as _

from ..extensions import current_session
from ..services.inbox import open_cases, settings_from
from ..models import utcnow
from ..services.inbox.codes import display_code
from ..services.inbox.outbox import deliver, queue_digest
from ..services.inbox.queries import open_cases_by_assignee
from ..services.inbox.workdays import add_working_days
from ..timeutil import local_date, local_midnight_utc
from ..services.inbox.senders import sender_from
from .errors import service_errors

#: Cases listed in a digest; the rest are counted.
DIGEST_LINES = 30

inbox_cli = AppGroup("inbox", help="The feedback inbox (cases from comments, low ratings "
                     "and requests to be contacted).")


@inbox_cli.command("sync")
@click.option("--full", is_flag=True, help="Look at every response, not only those received "
              "since the last run (after changing SURVEY_INBOX_LOW_RATING).")
@service_errors
def sync(full: bool) -> None:
    """Open a case for every response that needs one and has none yet."""
    count = open_cases(current_session(), settings_from(current_app.config), full=full)
    current_session().commit()
    click.echo(_("Cases opened: %(count)s.", count=count))


@inbox_cli.command("send")
@service_errors
def send() -> None:
    """Send the outbox's due replies (run every few minutes from a timer)."""
    sender = sender_from(current_app.config, current_app.instance_path)
    counts = deliver(current_session(), sender, current_session().commit)
    click.echo(_("Sent: %(sent)s. To try again: %(pending)s. Given up: %(failed)s.",
                 sent=counts.get("sent", 0), pending=counts.get("pending", 0),
                 failed=counts.get("failed", 0)))


def _digest_body(cases: list, today: dt.date, soon_until: dt.date, link: str) -> str:
    overdue = sum(1 for case in cases if case.due_on is not None and case.due_on < today)
    soon = sum(1 for case in cases if case.due_on is not None and today <= case.due_on
               <= soon_until)
    lines = [_("Cases assigned to you and not finished: %(count)s (overdue: %(overdue)s, "
               "due soon: %(soon)s).", count=len(cases), overdue=overdue, soon=soon), ""]
    for case in cases[:DIGEST_LINES]:
        due = case.due_on.strftime("%d/%m/%Y") if case.due_on else "-"
        lines.append(f"{display_code(case.reference)}  {case.unit.code}  {due}")
    if len(cases) > DIGEST_LINES:
        lines.append(_("… and %(count)s more.", count=len(cases) - DIGEST_LINES))
    return "\n".join(lines + ["", link])


@inbox_cli.command("digest")
@service_errors
def digest() -> None:
    """Queue one message per person with their unfinished cases (run daily, then send)."""
    session, settings = current_session(), settings_from(current_app.config)
    today = local_date(utcnow())
    soon_until = add_working_days(today, settings.due_soon, settings.days_off)
    link = current_app.config["PUBLIC_URL"].rstrip("/") + "/admin/inbox?assignee=me"
    subject = _("Feedback inbox: your cases on %(day)s", day=today.strftime("%d/%m/%Y"))
    queued = 0
    for user, cases in open_cases_by_assignee(session).items():
        body = _digest_body(cases, today, soon_until, link)
        queued += queue_digest(session, user.email, subject, body,
                               local_midnight_utc(today)) is not None
    session.commit()
    click.echo(_("Digests queued: %(count)s.", count=queued))
