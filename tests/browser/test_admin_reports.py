"""/admin/reports in real Chromium: a manager generates (a background job: its status page,
followed until done, then the download) and submits; another person, the province,
approves (four eyes: the preparer is not offered it); axe-core finds nothing serious or
critical at 1280 × 800 and 360 × 740; the PDF is rasterised with pdftoppm and looked at in
the browser."""
from __future__ import annotations

import base64
import shutil
import subprocess

import pytest

from survey.extensions import db
from survey.services.catalogue.demo import add_demo_responses
from survey.services.reports.signoff import software_version  # noqa: F401  (import check)

from .conftest import KIOSK, PHONE, axe_serious, follow, form_post, watch_csp
from .test_admin import add_user, sign_in
from .test_admin_devices import shots

pytestmark = pytest.mark.browser
SIZES = {"phone": PHONE, "desktop": KIOSK}


@pytest.fixture(scope="module")
def people(live_server):
    add_user(live_server, "report-manager@example.org", "manager", "NA-DEMO1")
    add_user(live_server, "report-admin@example.org", "admin", "NA")
    app = live_server.app()
    with app.app_context():
        add_demo_responses(db.session, 400, days=60)
        db.session.commit()
        db.engine.dispose()
    return live_server


def follow_job(page, timeout: float = 180_000) -> None:
    """On a job's status page: ask it to refresh itself (no JavaScript: a meta refresh the
    user turns on) and wait until the job has finished."""
    assert "/jobs/" in page.url
    if page.locator(".job-status progress[value='100'], .job-status .alert").count() == 0:
        page.get_by_role("link", name="Tự làm mới trang này").click()
        page.wait_for_selector(".job-status p.success, .job-status .alert", timeout=timeout)
    assert page.locator(".job-status p.success").count() == 1, page.inner_text("main")


def current_quarter(page, url):
    page.goto(f"{url}/admin/reports")
    return page.locator("#period").input_value() or page.locator(
        "h2#tracker-h").inner_text().split()[-1]


def test_generate_submit_approve_and_look_at_the_pdf(people, browser, tmp_path):
    url = people.url
    context = browser.new_context(viewport=KIOSK, locale="vi-VN")
    page = context.new_page()
    blocked = watch_csp(page)
    assert sign_in(page, people, "report-manager@example.org", lang="vi").status == 303
    assert page.goto(f"{url}/admin/reports").status == 200
    period = page.locator("h2#tracker-h").inner_text().split()[-1]
    assert "NA-DEMO1" in page.content() and "chưa báo cáo" in page.content()
    assert axe_serious(page) == []
    page.screenshot(path=str(shots(tmp_path) / "desktop-reports-tracker.png"), full_page=True)
    with follow(page):
        page.get_by_role("link", name="NA-DEMO1").first.click()
    with form_post(page, timeout=120_000) as posted:
        page.locator("form[action*='/generate'] button").click()
    assert posted.value.status == 303 and "/jobs/" in page.url  # answered at once
    assert page.locator("[role=status] progress").count() == 1
    assert axe_serious(page) == []
    page.screenshot(path=str(shots(tmp_path) / "desktop-report-job-running.png"), full_page=True)
    follow_job(page)
    assert "Đã tạo một phiên bản mới" in page.content()
    assert axe_serious(page) == []
    page.screenshot(path=str(shots(tmp_path) / "desktop-report-job-done.png"), full_page=True)
    xlsx = page.request.get(url + page.get_by_role("link", name="XLSX").get_attribute("href"))
    assert xlsx.status == 200 and xlsx.body()[:2] == b"PK"
    with follow(page):
        page.get_by_role("link", name="Mở trang báo cáo").click()
    with form_post(page) as posted:
        page.locator("form[action*='/submit'] button").click()
    assert posted.value.status == 303 and "đã gửi" in page.content()
    assert axe_serious(page) == []
    page.screenshot(path=str(shots(tmp_path) / "desktop-report-submitted.png"), full_page=True)
    pdf = page.request.get(f"{url}/admin/reports/NA-DEMO1?period={period}&version=1&format=pdf")
    pdf_bytes = pdf.body()
    assert pdf.status == 200 and pdf_bytes.startswith(b"%PDF")
    context.close()

    context = browser.new_context(viewport=KIOSK, locale="vi-VN")
    page = context.new_page()
    assert sign_in(page, people, "report-admin@example.org", lang="vi").status == 303
    page.goto(f"{url}/admin/reports/NA-DEMO1?period={period}")
    with form_post(page, timeout=120_000) as posted:
        page.locator("form[action*='/approve'] button").click()
    assert posted.value.status == 303 and "/jobs/" in page.url
    follow_job(page)
    assert "tệp đã khóa" in page.content()
    assert axe_serious(page) == []
    page.screenshot(path=str(shots(tmp_path) / "desktop-report-approval-done.png"),
                    full_page=True)
    page.goto(f"{url}/admin/reports/NA-DEMO1?period={period}")
    assert "tệp đã khóa" in page.content() and "đã duyệt" in page.content()
    assert axe_serious(page) == []
    page.screenshot(path=str(shots(tmp_path) / "desktop-report-approved.png"), full_page=True)
    page.goto(f"{url}/admin/reports?period={period}")
    assert "đã duyệt: 1" in page.content()
    assert blocked == []

    assert shutil.which("pdftoppm"), "make system-deps installs poppler-utils"
    (tmp_path / "r.pdf").write_bytes(pdf_bytes)
    subprocess.run(["pdftoppm", "-r", "70", "-png", "-f", "1", "-l", "3", str(tmp_path / "r.pdf"),
                    str(tmp_path / "page")], check=True)
    images = "".join(
        f'<img alt="" style="display:block;border:1px solid #888;margin:8px" src="data:image/png;'
        f'base64,{base64.b64encode(p.read_bytes()).decode()}">'
        for p in sorted(tmp_path.glob("page-*.png")))
    viewer = browser.new_page(viewport={"width": 900, "height": 700})
    viewer.set_content(f"<!doctype html><title>PDF</title><body>{images}</body>")
    sizes = viewer.evaluate("[...document.images].map(i => [i.naturalWidth, i.naturalHeight])")
    assert len(sizes) == 3 and all(w > h for w, h in sizes)  # A4 landscape pages
    viewer.screenshot(path=str(shots(tmp_path) / "report-pdf-pages.png"), full_page=True)
    viewer.close()


@pytest.mark.parametrize("size", sorted(SIZES))
def test_the_pages_pass_axe(people, browser, size, tmp_path):
    context = browser.new_context(viewport=SIZES[size], locale="vi-VN",
                                  is_mobile=size == "phone", has_touch=size == "phone")
    page = context.new_page()
    failures: dict[str, list[str]] = {}

    def check(name: str) -> None:
        assert page.evaluate("document.documentElement.scrollWidth") <= SIZES[size]["width"], name
        if found := axe_serious(page):
            failures[name] = [violation["id"] for violation in found]
        page.screenshot(path=str(shots(tmp_path) / f"{size}-{name}.png"), full_page=True)

    assert sign_in(page, people, "report-admin@example.org", lang="vi").status == 303
    page.goto(f"{people.url}/admin/reports?period=2026")
    check("reports-annual")
    page.goto(f"{people.url}/admin/reports?period=20x6")
    check("reports-error")
    unit = {"desktop": "NA", "phone": "NA-DEMO2"}[size]  # each run its own draft
    page.goto(f"{people.url}/admin/reports/{unit}?period=2026")
    with form_post(page, timeout=180_000) as posted:
        page.locator("form[action*='/generate'] button").click()
    assert posted.value.status == 303
    check("report-job")
    follow_job(page)
    check("report-job-done")
    page.goto(f"{people.url}/admin/reports/{unit}?period=2026")
    assert page.locator("textarea#text").input_value().startswith("Chỉ số hài lòng năm 2026")
    check("report-annual-draft")
    # Four eyes: the administrator who generated it submits it and is not offered the
    # approval, with the reason on the page.
    with form_post(page) as posted:
        page.locator("form[action*='/submit'] button").click()
    assert posted.value.status == 303
    assert page.locator("form[action*='/approve']").count() == 0
    assert "nguyên tắc bốn mắt" in page.inner_text("main")
    check("report-four-eyes")
    context.close()
    assert failures == {}
