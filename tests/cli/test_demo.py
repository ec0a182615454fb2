"""``flask survey seed-demo`` and ``demo-responses``: what a newcomer is told to open and run."""
from __future__ import annotations

import json
import re

from survey.models import Unit, utcnow
from survey.timeutil import local_date


def test_seed_demo_loads_once_and_prints_the_urls_to_open(app, runner, count_rows):
    first = runner.invoke(args=["survey", "seed-demo"])
    assert first.exit_code == 0, first.output
    assert "Đã nạp dữ liệu minh họa" in first.output
    units = count_rows(Unit)
    assert units >= 6
    for label, url in [("Trang chủ:", "http://survey.test/"),
                       ("Khảo sát thử (điện thoại):", "http://survey.test/s/NA-VINH/Q1"),
                       ("Kiosk tại quầy:", "http://survey.test/kiosk/")]:
        assert any(line.startswith(label) and line.endswith(url)
                   for line in first.output.splitlines()), (label, first.output)
    # Every printed page exists.
    client = app.test_client()
    for line in first.output.splitlines():
        if "http://survey.test/" in line:
            path = line.split("http://survey.test", 1)[1]
            with client.get(path) as reply:
                assert reply.status_code == 200, path

    hint = ".venv/bin/flask --app wsgi survey kiosk add --unit NA-VINH-Q3 --name 'Quầy 3'"
    assert first.output.splitlines()[-2].endswith(hint)
    # A demo administrator, its password shown once, that can sign in.
    last = first.output.splitlines()[-1]
    assert "demo-admin@example.org" in last and "chỉ dùng cho dữ liệu minh họa" in last
    password = last.rsplit(" ", 1)[1]
    page = client.get("/admin/sign-in")
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page.get_data(as_text=True))
    signed_in = client.post("/admin/sign-in", data={
        "csrf_token": token.group(1), "email": "demo-admin@example.org", "password": password})
    assert signed_in.status_code in (302, 303), signed_in.get_data(as_text=True)[:500]

    again = runner.invoke(args=["survey", "seed-demo"])
    assert again.exit_code == 0 and "không nạp dữ liệu minh họa" in again.output.lower()
    assert password not in again.output and "users reset --email" in again.output
    assert count_rows(Unit) == units


def test_demo_responses_hint_runs_from_the_project_root(runner, demo):
    result = runner.invoke(args=["survey", "demo-responses", "--count", "20"])
    assert result.exit_code == 0, result.output
    year = local_date(utcnow()).year
    assert result.output.strip().endswith(
        f".venv/bin/flask --app wsgi survey index --period {year} --unit NA-VINH")


def test_demo_responses_then_the_hinted_index_shows_response_rates(runner, demo):
    """The newcomer's path: every row with responses has a served count and a response
    rate between a quarter and a half, never over 100 %."""
    added = runner.invoke(args=["survey", "demo-responses", "--count", "300"])
    assert added.exit_code == 0, added.output
    assert "số người được phục vụ tại đó theo từng tháng" in added.output
    year = str(local_date(utcnow()).year)
    shown = runner.invoke(args=["survey", "index", "--period", year, "--unit", "NA-VINH",
                                "--depth", "2", "--format", "json"])
    assert shown.exit_code == 0, shown.output
    report = json.loads(shown.output)
    rows = [row for row in [report["total"], *report["rows"]] if row["responses"]]
    assert {row["key"] for row in rows} >= {"total", "NA-DEMO1", "NA-DEMO1-Q1", "NA-DEMO2-Q1"}
    for row in rows:
        assert row["served"] and 0.2 <= row["response_rate"] <= 0.5, row
    text = runner.invoke(args=["survey", "index", "--period", year, "--unit", "NA-VINH"])
    rates = [float(m.replace(",", ".")) for m in re.findall(r"(\d+,\d) %$", text.output, re.M)]
    assert rates and all(rate <= 100 for rate in rates), text.output


def test_hints_quote_their_arguments():
    from survey.cli.hints import SURVEY_COMMAND, command

    assert SURVEY_COMMAND == ".venv/bin/flask --app wsgi survey"
    assert command("kiosk", "add", "--name", "Quầy 3") == \
        f"{SURVEY_COMMAND} kiosk add --name 'Quầy 3'"


def test_seed_demo_fills_the_inbox_and_a_public_feedback_page(app, runner, db):
    import sqlalchemy as sa

    from survey.models import Case, CaseKind, Contact, FeedbackAction
    from survey.services.intake.consent import VERSION

    assert runner.invoke(args=["survey", "seed-demo"]).exit_code == 0
    kinds = db.session.scalars(sa.select(Case.kind)).all()
    # the ten scripted comments, and the dashboard's demo responses with low ratings
    assert kinds.count(CaseKind.feedback) >= 10 and CaseKind.data_erasure in kinds
    assert len({c.status for c in db.session.scalars(sa.select(Case))}) == 5
    contact = db.session.scalars(sa.select(Contact)).one()
    assert contact.consent_version == VERSION and len(contact.consent_sha256) == 64
    assert db.session.scalar(sa.select(sa.func.count(FeedbackAction.id))) == 3
    client = app.test_client()
    html = client.get("/y-kien/don-vi/NA-DEMO1").get_data(as_text=True)
    assert "Thời gian chờ" in html and "rất nhiệt tình" in html and "quạt" in html
    assert "/y-kien/don-vi/NA-DEMO1" in client.get("/s/NA-DEMO1-Q1/thanks").get_data(as_text=True)
