"""/admin/dashboard: the same figures as ``flask survey index``, the user's scope kept
(404 outside it, also through the funnel plot), bad filters answered 400, hidden figures
never shown, and the data version that invalidates cached aggregates."""
from __future__ import annotations

import datetime as dt
import json
import random
import re
from html import unescape

import pytest
import sqlalchemy as sa

from survey.models import Channel
from survey.services import catalogue
from survey.services.reporting.cache import data_version
from survey.services.reporting.periods import parse_period
from survey.services.reporting.tables import Kind, format_value

from .conftest import sign_in_as

UTC = dt.timezone.utc
#: Inside 2026-Q3 in Vietnam time.
START = dt.datetime(2026, 7, 3, 3, 0, tzinfo=UTC)
PERIOD = "2026-Q3"


def answers(rng: random.Random, questionnaire, good: float) -> dict:
    """A respondent's ratings: 4–5 with probability ``good``, else 1–3."""
    return {code: (rng.choice((4, 5)) if rng.random() < good else rng.choice((1, 2, 3)))
            for code in questionnaire.item_codes()}


@pytest.fixture
def responses(db, demo, questionnaire, make_response):
    """NA-DEMO1-Q1: 160 responses over 40 days; NA-DEMO2-Q1: 120, less satisfied;
    NA-DEMO1-Q2: 8 (too few: its figure is hidden)."""
    rng = random.Random(13)
    plan = {"NA-DEMO1-Q1": (160, 0.9), "NA-DEMO2-Q1": (120, 0.7), "NA-DEMO1-Q2": (8, 0.8)}
    for code, (count, good) in plan.items():
        unit = catalogue.unit_by_code(db.session, code)
        for i in range(count):
            make_response(unit, answers=answers(rng, questionnaire, good),
                          channel=Channel.qr if i % 3 else Channel.kiosk,
                          submitted_at=START + dt.timedelta(days=i % 40, minutes=i))
    db.session.commit()


def page(client, path: str, status: int = 200) -> str:
    reply = client.get(path)
    assert reply.status_code == status, reply.get_data(as_text=True)[:2000]
    return reply.get_data(as_text=True)


def row_html(html: str, label: str) -> str:
    """The table row whose header cell names ``label``."""
    for row in re.findall(r"<tr>.*?</tr>", html, re.S):
        header = re.search(r'<th scope="row">(.*?)</th>', row, re.S)
        if header and label in unescape(re.sub("<[^>]+>", "", header.group(1))):
            return row
    raise AssertionError(f"no row for {label!r}")


def cli_index(runner, unit: str) -> dict:
    result = runner.invoke(args=["survey", "index", "--period", PERIOD, "--unit", unit,
                                 "--format", "json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def test_the_figures_are_those_of_survey_index(client, runner, make_user, responses):
    sign_in_as(client, make_user("viewer@example.org", "viewer", "NA"))
    html = page(client, f"/admin/dashboard?unit=NA-VINH&period={PERIOD}")
    html = html.split('id="units-h"', 1)[1]  # the unit table
    table = cli_index(runner, "NA-VINH")
    shown = 0
    for row in [table["total"]] + table["rows"]:
        line = unescape(row_html(html, row["label"]) if row is not table["total"] else
                        re.search(r"<tfoot>.*?</tfoot>", html, re.S).group(0))
        assert format_value(row["responses"], Kind.COUNT, "vi") in line
        if row["estimate"] is None:
            continue  # no responses
        estimate = format_value(row["estimate"], Kind.PERCENT, "vi")
        interval = format_value((row["low"], row["high"]), Kind.INTERVAL, "vi")
        assert estimate in line and interval in line, (row["key"], line)
        assert row["verdict_label"] in line
        shown += 1
    assert shown >= 2  # the total and NA-DEMO2 at least


def test_the_units_of_a_centre_match_survey_index_row_by_row(client, runner, make_user,
                                                           responses):
    sign_in_as(client, make_user("admin@example.org", "admin", "NA"))
    html = unescape(page(client, f"/admin/dashboard?unit=NA-DEMO2&period={PERIOD}"))
    total = cli_index(runner, "NA-DEMO2")["total"]
    assert format_value(total["estimate"], Kind.PERCENT, "vi") in html
    assert format_value((total["low"], total["high"]), Kind.INTERVAL, "vi") in html


def test_a_figure_from_too_few_responses_is_hidden_everywhere(client, runner, make_user,
                                                             responses, db):
    sign_in_as(client, make_user("m1@example.org", "manager", "NA-DEMO1"))
    html = unescape(page(client, f"/admin/dashboard?unit=NA-DEMO1&period={PERIOD}"))
    rows = {row["key"]: row for row in cli_index(runner, "NA-DEMO1")["rows"]}
    few = rows["NA-DEMO1-Q2"]
    assert few["estimate"] is not None  # the CLI shows it (an internal table)...
    units = html.split('id="units-h"', 1)[1]
    line = row_html(units, few["label"])
    assert format_value(few["estimate"], Kind.PERCENT, "vi") not in line  # ...not here
    assert "effective sample size under 30" in line or "cỡ mẫu hiệu dụng dưới 30" in line
    # Its sibling would give it back from the total: hidden as well (secondary).
    sibling = row_html(units, rows["NA-DEMO1-Q1"]["label"])
    assert format_value(rows["NA-DEMO1-Q1"]["estimate"], Kind.PERCENT, "vi") not in sibling
    # Nor drawn on the funnel plot, nor listed in its table.
    funnel = html.split('id="funnel-h"', 1)[1].split('id="units-h"', 1)[0]
    assert "NA-DEMO1-Q2" not in funnel.split("<details>")[-1]


def test_a_manager_never_sees_another_office(client, make_user, responses):
    sign_in_as(client, make_user("m2@example.org", "manager", "NA-DEMO1"))
    html = page(client, f"/admin/dashboard?period={PERIOD}")
    assert "NA-DEMO1-Q1" in html
    for other in ("NA-DEMO2", "NA-DEMO2-Q1", "NA-VINH-Q1"):
        assert other not in html
    for path in ("", "/drill", "/trend", "/plan", "/quality"):
        for unit in ("NA-DEMO2", "NA-VINH", "NA", "NOWHERE"):
            page(client, f"/admin/dashboard{path}?unit={unit}&period={PERIOD}", 404)


@pytest.mark.parametrize("query", ["period=2026-Q9", "period=20026", "period=yesterday",
                                   "sort=secret", "sort=-n;drop"])
def test_bad_filters_are_a_clear_400(client, make_user, demo, query):
    sign_in_as(client, make_user("v@example.org", "viewer", "NA"))
    html = unescape(page(client, f"/admin/dashboard?unit=NA&{query}", 400))
    assert 'role="alert"' in html
    assert re.search(r"(không hợp lệ|is not valid|out of range|ngoài khoảng|sorted|sắp xếp)",
                     html), html[:3000]


@pytest.mark.parametrize("value", ["abc", "120", "0", "88%%"])
def test_a_bad_planner_value_is_a_400(client, make_user, demo, value):
    sign_in_as(client, make_user("v2@example.org", "viewer", "NA"))
    page(client, f"/admin/dashboard/plan?unit=NA&expected={value}", 400)


def test_every_page_renders_with_accessible_charts(client, make_user, responses):
    sign_in_as(client, make_user("a@example.org", "admin", "NA"))
    for path in ("", "/drill", "/trend", "/plan", "/quality"):
        html = page(client, f"/admin/dashboard{path}?unit=NA-VINH&period={PERIOD}")
        for svg in re.findall(r"<svg\b[^>]*>", html):
            assert 'role="img"' in svg and "aria-labelledby" in svg
            ids = re.search(r'aria-labelledby="([^"]+)"', svg).group(1).split()
            for found in ids:
                assert f'id="{found}"' in html
    trend = page(client, f"/admin/dashboard/trend?unit=NA-VINH&period={PERIOD}")
    assert trend.count("<svg") == 4 and "<title" in trend and "<desc" in trend
    overview = page(client, f"/admin/dashboard?unit=NA-VINH&period={PERIOD}")
    assert overview.count("<svg") == 2


def test_the_planner_uses_the_power_formula(client, make_user, demo):
    sign_in_as(client, make_user("p@example.org", "viewer", "NA"))
    html = page(client, "/admin/dashboard/plan?unit=NA&expected=85&target=90&power=80")
    assert '<p class="big">253</p>' in html  # deff 1 without data: the reference value


def test_sorting_is_a_link_and_hidden_rows_stay_last(client, make_user, responses):
    sign_in_as(client, make_user("s@example.org", "admin", "NA"))

    def order(sort: str) -> list[str]:
        html = page(client, f"/admin/dashboard?unit=NA-VINH&period={PERIOD}&sort={sort}")
        body = html.split('id="units-h"', 1)[1].split("<tbody>", 1)[1].split("</tbody>")[0]
        return re.findall(r"\((NA-[A-Z0-9-]+)\)</(?:a|th)>", body) or re.findall(
            r'unit=(NA-[A-Z0-9-]+)', body)
    down, up = order("-index"), order("index")
    assert down.index("NA-DEMO1") < down.index("NA-DEMO2")  # DEMO1 is the more satisfied
    assert up.index("NA-DEMO2") < up.index("NA-DEMO1")
    html = page(client, f"/admin/dashboard?unit=NA-VINH&period={PERIOD}&sort=index")
    units = html.split('id="units-h"', 1)[1]
    assert 'aria-sort="ascending"' in units and "sort=-index" in units  # a click flips it
    # Rows without a figure (the counters without responses) stay last either way.
    rows = re.findall(r"<tr><th scope=\"row\">(.*?)</tr>", units.split("</tbody>")[0], re.S)
    empty = [i for i, row in enumerate(rows) if "%" not in row]
    assert empty and empty == list(range(len(rows) - len(empty), len(rows)))


def test_methodology_has_every_anchor_the_dashboard_links_to(client, make_user, responses):
    sign_in_as(client, make_user("m@example.org", "admin", "NA"))
    anchors = set()
    for path in ("", "/drill", "/trend", "/plan", "/quality"):
        html = page(client, f"/admin/dashboard{path}?unit=NA-VINH&period={PERIOD}")
        anchors |= set(re.findall(r'/admin/methodology(?:\?[^"#]*)?#([\w-]+)"', html))
    hidden = page(client, f"/admin/dashboard?unit=NA-DEMO1&period={PERIOD}")
    anchors |= set(re.findall(r'/admin/methodology(?:\?[^"#]*)?#([\w-]+)"', hidden))
    assert {"chi-so", "khoang-tin-cay", "ket-luan", "do-tin-cay"} <= anchors
    for lang in ("vi", "en"):
        method = page(client, f"/admin/methodology?lang={lang}")
        for anchor in anchors:
            assert f'id="{anchor}"' in method, (lang, anchor)
    assert "Quy tắc kết luận" in page(client, "/admin/methodology?lang=vi")


def test_signing_in_lands_on_the_dashboard_for_readers_of_the_index(client, make_user, demo):
    from .conftest import PASSWORD, csrf_token

    make_user("reader@example.org", "viewer", "NA")
    make_user("handler@example.org", "handler", "NA")
    for email, landing in (("reader@example.org", "/admin/dashboard"),
                           ("handler@example.org", "/admin/")):
        client.cookie_jar.clear() if hasattr(client, "cookie_jar") else None
        done = client.post("/admin/sign-in", data={"csrf_token": csrf_token(client),
                                                   "email": email, "password": PASSWORD})
        assert done.status_code == 303 and done.location == landing, done.location
        client.post("/admin/sign-out", data={"csrf_token": csrf_token(client, "/admin/")})


def test_a_new_response_changes_only_its_subtree_s_data_version(db, demo, questionnaire,
                                                                make_response, responses):
    period = parse_period(PERIOD)
    ids = {code: catalogue.unit_by_code(db.session, code).id
           for code in ("NA-DEMO1", "NA-DEMO1-Q1", "NA-DEMO2", "NA-DEMO2-Q1", "NA-VINH")}
    from survey.services.reporting.strata import UnitTree

    tree = UnitTree.load(db.session)

    def version(code: str):
        return data_version(db.session, tree.subtree(ids[code]), period.start_utc,
                            period.end_utc)
    before = {code: version(code) for code in ("NA-DEMO1", "NA-DEMO2", "NA-VINH")}
    make_response(catalogue.unit_by_code(db.session, "NA-DEMO2-Q1"),
                  submitted_at=START + dt.timedelta(days=3))
    db.session.flush()
    assert version("NA-DEMO1") == before["NA-DEMO1"]
    assert version("NA-DEMO2") != before["NA-DEMO2"]
    assert version("NA-VINH") != before["NA-VINH"]
    # Flagging a response (the kiosk's too-fast check) is a change too, of its subtree only.
    from survey.models import Response, ResponseStatus

    before = {code: version(code) for code in ("NA-DEMO1", "NA-DEMO2")}
    flagged = db.session.scalars(sa.select(Response).where(
        Response.unit_id == ids["NA-DEMO1-Q1"])).first()
    flagged.status, flagged.status_reason = ResponseStatus.flagged, "too_fast"
    db.session.flush()
    assert version("NA-DEMO1") != before["NA-DEMO1"]
    assert version("NA-DEMO2") == before["NA-DEMO2"]


def test_the_overview_shows_the_coverage_panel_of_the_same_unit_and_period(
        app, client, db, make_user, responses):
    """The plan's coverage indicators beside the index: the coverage report's figures for
    the dashboard's unit and period, and nothing of another unit."""
    from survey.services.coverage import coverage_report
    from survey.services.coverage.demo import add_demo_coverage

    add_demo_coverage(db.session, now=dt.datetime(2026, 11, 15, tzinfo=UTC))
    db.session.commit()
    sign_in_as(client, make_user("m1@example.org", "manager", "NA-DEMO1"))
    html = unescape(page(client, f"/admin/dashboard?unit=NA-DEMO1&period={PERIOD}&lang=en"))
    panel = html.split('id="cov-h"', 1)[1].split("</section>", 1)[0]
    with app.test_request_context("/?lang=en"):
        report = coverage_report(db.session, PERIOD, "NA-DEMO1", locale="en")
        labels = [str(row["label"]) for row in report.rows]
    # Four from the case software, two claimant-reported (no survey answers here).
    assert report.meta["complete"] and len(labels) == 6
    assert all(label in panel for label in labels), labels
    for row in report.rows:
        counts = (f"{format_value(row['numerator'], Kind.COUNT, 'en')} / "
                  f"{format_value(row['denominator'], Kind.COUNT, 'en')}")
        assert counts in panel, counts
    assert "NA-DEMO2" not in panel and "NA-VINH" not in panel


def test_the_coverage_panel_is_cached_until_its_counts_or_responses_change(
        app, client, db, make_user, responses, questionnaire, make_response, monkeypatch):
    """The panel's survey rows are an index of their own: computed once per data version
    like the figures above it, again after a coverage import or a new response."""
    from survey.services import audit, coverage
    from survey.services.coverage import import_coverage_csv

    from ..coverage.conftest import csv, line

    months = ("2026-07", "2026-08", "2026-09")
    import_coverage_csv(db.session, csv(*(line(m, "NA-DEMO1") for m in months)), audit.CLI)
    db.session.commit()
    calls = []
    original = coverage.coverage_report
    monkeypatch.setattr(coverage, "coverage_report",
                        lambda *a, **kw: calls.append(a) or original(*a, **kw))
    sign_in_as(client, make_user("m1@example.org", "manager", "NA-DEMO1"))
    path = f"/admin/dashboard?unit=NA-DEMO1&period={PERIOD}&lang=en"

    def panel() -> str:
        return unescape(page(client, path)).split('id="cov-h"', 1)[1].split("</section>")[0]

    first = panel()
    assert panel() == first and len(calls) == 1  # the second view computed nothing
    import_coverage_csv(db.session, csv(line("2026-09", "NA-DEMO1", applicants=250)),
                        audit.CLI)
    db.session.commit()
    changed = panel()
    assert len(calls) == 2 and changed != first
    make_response(catalogue.unit_by_code(db.session, "NA-DEMO1-Q1"),
                  answers=answers(random.Random(1), questionnaire, 1.0),
                  submitted_at=START + dt.timedelta(days=3))
    db.session.commit()
    panel()
    assert len(calls) == 3
    page(client, f"/admin/dashboard?unit=NA-DEMO1-Q1&period={PERIOD}&lang=en")
    assert len(calls) == 4


def test_the_dashboard_links_to_the_report_of_its_quarter(client, make_user, responses):
    sign_in_as(client, make_user("m1@example.org", "manager", "NA-DEMO1"))
    html = page(client, f"/admin/dashboard?unit=NA-DEMO1&period={PERIOD}")
    assert f'href="/admin/reports/NA-DEMO1?period={PERIOD}"' in html
    monthly = page(client, "/admin/dashboard?unit=NA-DEMO1&period=2026-08")
    assert "/admin/reports/" not in monthly  # reports are quarterly or yearly


# --- custom date ranges -----------------------------------------------------------------

#: 29 days inside the responses' 40 (2026-07-03 to 2026-08-11, Vietnam time).
RANGE = "2026-07-03..2026-07-31"


def test_a_custom_range_shows_the_figures_of_survey_index_for_those_dates(
        client, runner, make_user, responses):
    sign_in_as(client, make_user("r1@example.org", "admin", "NA"))
    html = unescape(page(client, "/admin/dashboard?unit=NA-DEMO2&period=custom"
                                 "&from=2026-07-03&to=2026-07-31"))
    result = runner.invoke(args=["survey", "index", "--period", RANGE, "--unit", "NA-DEMO2",
                                 "--format", "json"])
    assert result.exit_code == 0, result.output
    total = json.loads(result.output)["total"]
    quarter = cli_index(runner, "NA-DEMO2")["total"]
    assert 0 < total["responses"] < quarter["responses"]  # fewer days than the quarter
    assert format_value(total["responses"], Kind.COUNT, "vi") in html
    assert format_value(total["estimate"], Kind.PERCENT, "vi") in html
    assert format_value((total["low"], total["high"]), Kind.INTERVAL, "vi") in html
    assert "03/07/2026–31/07/2026" in html  # the heading
    # The dates stay in the form, "custom" chosen; the other pages keep the range.
    assert 'value="2026-07-03"' in html and 'value="2026-07-31"' in html
    assert re.search(r'<option value="custom" selected>', html)
    assert f"/admin/dashboard/drill?unit=NA-DEMO2&period={RANGE}" in html
    # Compared with the same number of days just before (29 days: 4 June to 2 July).
    assert "04/06/2026–02/07/2026" in html and re.search(r"\(29 (days|ngày)\)", html)


def test_a_custom_range_link_is_shareable_and_every_page_takes_it(client, make_user,
                                                                   responses):
    sign_in_as(client, make_user("r2@example.org", "viewer", "NA"))
    form = page(client, "/admin/dashboard?unit=NA-VINH&period=custom&from=2026-07-03"
                        "&to=2026-07-31")
    link = page(client, f"/admin/dashboard?unit=NA-VINH&period={RANGE}")
    figures = re.compile(r'<p class="big">.*?</p>', re.S)
    assert figures.findall(form) == figures.findall(link) != []
    for path in ("/drill", "/trend", "/plan", "/quality"):
        html = unescape(page(client, f"/admin/dashboard{path}?unit=NA-VINH&period={RANGE}"))
        assert "03/07/2026–31/07/2026" in html, path
    trend = unescape(page(client, f"/admin/dashboard/trend?unit=NA-VINH&period={RANGE}"))
    assert "2026-Q3" in trend and "2026-07" in trend  # up to the quarter and month of its end


@pytest.mark.parametrize("query,words", [
    ("from=2026-08-01&to=2026-07-01", "01/08/2026"),
    ("from=2023-01-01&to=2026-06-30", "1277"),
    ("from=2026-07-01&to=", "ngày kết thúc"),
    ("from=2026-07-01&to=2026-07-32", "2026-07-32"),
])
def test_a_bad_custom_range_is_a_clear_400_with_the_form_kept(client, make_user, demo,
                                                               query, words):
    sign_in_as(client, make_user("r3@example.org", "viewer", "NA"))
    html = unescape(page(client, f"/admin/dashboard?unit=NA&period=custom&{query}", 400))
    assert 'role="alert"' in html and words in html.split('role="alert"', 1)[1]
    for name, value in re.findall(r"(from|to)=([^&]*)", query):
        assert re.search(rf'<input id="f-{name}" name="{name}" type="date" value="{value}"',
                         html), name
    assert '<option value="custom" selected>' in html
