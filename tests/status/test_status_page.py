"""The public status page by reference code: status and reply date only, 404 for unknown
codes, typed codes read generously, hostile input harmless, lookups rate-limited."""
from __future__ import annotations

import pytest

from survey.models import CaseStatus
from survey.services.audit import Actor
from survey.services.inbox.codes import display_code
from survey.services.inbox.handling import add_note, change_status
from survey.status import bp as status_bp
from tests.support.inbox import add_case


@pytest.fixture
def status_client(app, demo):
    # The factory does not register the blueprint yet (see survey/status/__init__.py).
    if "status" not in app.blueprints:
        app.register_blueprint(status_bp)
    return app.test_client()


def test_the_page_shows_the_status_and_nothing_private(status_client, db, app):
    case = add_case(db.session, app.config, comment="Bí mật: số CCCD 0123", contact=True)
    change_status(db.session, case, CaseStatus.in_progress, Actor(None, "h@example.org"),
                  note="Ghi chú nội bộ")
    add_note(db.session, case, "Đã gọi cho chị Lan", Actor(None, "h@example.org"))
    db.session.commit()
    answer = status_client.get(f"/y-kien/{case.reference}?lang=en")
    html = answer.get_data(as_text=True)
    assert answer.status_code == 200 and "Being handled" in html
    assert display_code(case.reference) in html
    assert case.resolve_due.strftime("%d/%m/%Y") in html
    for private in ("Bí mật", "0123", "Ghi chú", "chị Lan", "0912345678", "h@example.org"):
        assert private not in html
    assert answer.headers["X-Robots-Tag"] == "noindex"


def test_typed_codes_are_read_generously(status_client, db, app):
    case = add_case(db.session, app.config)
    typed = display_code(case.reference).lower().replace("-", " ")
    answer = status_client.get("/y-kien", query_string={"ma": typed})
    assert answer.status_code == 302 and answer.location.endswith(f"/y-kien/{case.reference}")


@pytest.mark.parametrize("code,status", [
    ("AAAAAAAAAA", 404), ("<script>alert(1)</script>", 404), ("x" * 300, 404),
    ("%00", 400),  # refused by the app's guard before the page
])
def test_unknown_or_hostile_codes_are_refused_and_inert(status_client, code, status):
    answer = status_client.get(f"/y-kien/{code}")
    assert answer.status_code == status
    assert "<script>alert" not in answer.get_data(as_text=True)


def test_a_malformed_code_in_the_form_is_explained(status_client):
    answer = status_client.get("/y-kien?ma=12&lang=en")
    assert answer.status_code == 400 and "10 letters" in answer.get_data(as_text=True)
    assert status_client.get("/y-kien").status_code == 200


def test_lookups_are_rate_limited(status_client, app):
    app.config["STATUS_RATE_LIMIT"] = 3
    app.extensions.pop("status_limiter", None)
    codes = [status_client.get("/y-kien/AAAAAAAAAA").status_code for _ in range(4)]
    assert codes == [404, 404, 404, 429]
