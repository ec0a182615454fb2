"""``flask survey seed-demo`` and ``demo-responses``: demo data for a first look."""
from __future__ import annotations

import click
from flask import current_app
from flask_babel import gettext as _

from ..extensions import current_session
from ..models import utcnow
from ..services import catalogue
from ..services.catalogue.demo import (DASHBOARD_QUARTERS, add_dashboard_demo,
                                       add_demo_responses, add_demo_stuffing,
                                       import_demo_served)
from ..services.coverage.demo import add_demo_coverage
from ..services.inbox import settings_from
from ..services.inbox.demo import add_demo_feedback
from ..timeutil import local_date
from .errors import service_errors
from .hints import command


@click.command("seed-demo")
@service_errors
def seed_demo() -> None:
    """Load services, questionnaire v1 and the Nghệ An demo units if the database is empty."""
    from ..services.accounts.users import DEMO_ADMIN_EMAIL, create_demo_admin

    account = None
    if catalogue.seed_demo(current_session()):
        account = create_demo_admin(current_session())
        stored = add_dashboard_demo(current_session())
        add_demo_coverage(current_session())
        flagged = add_demo_stuffing(current_session())
        current_session().commit()
        # Feedback to handle at the demo reception point, and its public page.
        add_demo_feedback(current_session(), settings_from(current_app.config),
                          int(current_app.config.get("CONTACT_RETENTION_DAYS", 30)))
        _demo_reports()
        current_session().commit()
        click.echo(_("Demo data loaded (Nghệ An, clearly labelled demo units)."))
        click.echo(_("A scripted stuffing episode at a demo counter: %(count)s responses "
                     "flagged, left out of the index (Data quality in the manager web app).",
                     count=flagged))
        click.echo(_("%(count)s synthetic responses at the demo counters over the last "
                     "%(quarters)s quarters: the satisfaction dashboard opens with them "
                     "after signing in.", count=stored, quarters=DASHBOARD_QUARTERS))
    else:
        click.echo(_("Database already has units; demo data not loaded."))
    base = current_app.config["PUBLIC_URL"].rstrip("/")
    links = [(_("Home page:"), f"{base}/"),
             (_("Demo survey (phone):"), f"{base}/s/NA-VINH/Q1"),
             (_("Same, in English:"), f"{base}/s/NA-VINH/Q1?lang=en"),
             (_("Receipt-code entry:"), f"{base}/r"),
             (_("Counter kiosk:"), f"{base}/kiosk/"),
             (_("Manager web app:"), f"{base}/admin/sign-in")]
    width = max(len(label) for label, _url in links) + 2
    for label, url in links:
        click.echo(f"{label:<{width}}{url}")
    click.echo(_("Kiosk pairing code: run %(command)s",
                 command=command("kiosk", "add", "--unit", "NA-VINH-Q3", "--name", "Quầy 3")))
    if account is not None:
        click.echo(_("Demo administrator (for the demo data only; shown once): %(email)s, "
                     "password %(password)s", email=account[0], password=account[1]))
    else:
        click.echo(_("Demo administrator: %(email)s; for a new password run %(command)s",
                     email=DEMO_ADMIN_EMAIL,
                     command=command("users", "reset", "--email", DEMO_ADMIN_EMAIL)))


def _demo_reports() -> None:
    """Draft quarterly reports of the demo units (/admin/reports), made or updated."""
    from ..services.reporting.index import configured
    from ..services.reports.signoff import demo_reports

    demo_reports(current_session(), configured(current_app.config))


@click.command("demo-responses")
@click.option("--count", type=int, default=600, show_default=True,
              help="How many synthetic responses to add.")
@service_errors
def demo_responses(count: int) -> None:
    """Add synthetic responses at the demo counters (NA-DEMO*) only, to try the index,
    and the numbers of claimants served there, so that response rates show."""
    stored = add_demo_responses(current_session(), count)
    import_demo_served(current_session())
    _demo_reports()
    current_session().commit()
    year = str(local_date(utcnow()).year)
    click.echo(_("Added %(count)s synthetic responses at the demo counters over the last "
                 "180 days, and the number of claimants served there each month. "
                 "Try: %(command)s", count=stored,
                 command=command("index", "--period", year, "--unit", "NA-VINH")))
