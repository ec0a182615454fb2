"""/admin/audit: the log for administrators, filtered and paginated."""
from __future__ import annotations

import datetime as dt

import pytest

from survey.services import audit
from survey.services.audit import Action

from .conftest import sign_in_as


@pytest.fixture
def events(db, demo):
    start = dt.datetime(2026, 11, 30, 20, 0, tzinfo=dt.timezone.utc)  # 03:00 on 1/12 in Vietnam
    for n in range(60):
        audit.record(db.session, Action.KIOSK_ADDED if n < 55 else Action.TOKEN_REVOKED,
                     audit.CLI, object_type="kiosk", object_id=n, at=start + dt.timedelta(hours=n))
    db.session.commit()


def test_lists_newest_first_in_pages(admin_client, events):
    html = admin_client.get("/admin/audit?lang=en").get_data(as_text=True)
    assert "Entries: 64." in html and "Page 1 of 2." in html  # 60 + the admin's own 4
    assert "API token revoked" in html and 'rel="next"' in html
    second = admin_client.get("/admin/audit?lang=en&page=2").get_data(as_text=True)
    assert "Page 2 of 2." in second and 'rel="prev"' in second and 'rel="next"' not in second


def test_filters_by_action_user_and_dates(admin_client, events):
    html = admin_client.get(f"/admin/audit?lang=en&action={Action.TOKEN_REVOKED}") \
        .get_data(as_text=True)
    assert "Entries: 5." in html and "Kiosk added" not in html.split("<table")[1]
    by_cli = admin_client.get("/admin/audit?lang=en&actor=CLI").get_data(as_text=True)
    assert "Entries: 63." in by_cli
    one_day = admin_client.get("/admin/audit?lang=en&since=2026-12-01&until=2026-12-01") \
        .get_data(as_text=True)
    assert "Entries: 21." in one_day  # 03:00 to 23:00 Vietnam time


@pytest.mark.parametrize("query,field", [("since=01/12/2026", "since"),
                                         ("until=2026-13-01", "until"),
                                         ("action=kiosk.exploded", "action")])
def test_bad_filters_are_shown_next_to_the_field(admin_client, events, query, field):
    answer = admin_client.get(f"/admin/audit?{query}")
    assert answer.status_code == 400 and f'id="{field}-error"' in answer.get_data(as_text=True)


def test_nonsense_page_numbers_show_the_first_page(admin_client, events):
    for page in ("abc", "0", "-1", "99999999999"):
        answer = admin_client.get(f"/admin/audit?lang=en&page={page}")
        assert answer.status_code == 200 and "Page 1 of 2." in answer.get_data(as_text=True)


def test_only_administrators_read_it(client, make_user):
    sign_in_as(client, make_user("v@example.org", "viewer", "NA"))
    assert client.get("/admin/audit").status_code == 403
