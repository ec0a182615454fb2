"""Posters and receipt slips in real Chromium: PDF page count and every QR decoded.

Each printed page is rasterised with poppler's ``pdftoppm`` and read back with
``zbarimg`` (``make system-deps`` installs poppler-utils and zbar-tools when missing).
"""
from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
import sqlalchemy as sa

from survey.extensions import db
from survey.models import ReceiptCode

from .conftest import axe_serious

pytestmark = pytest.mark.browser

PUBLIC = "https://khaosat.example.vn"
POSTER_URLS = [f"{PUBLIC}/s/{code}" for code in [
    "NA-DEMO1/Q1", "NA-DEMO1/Q2", "NA-DEMO2/Q1", "NA-VINH/Q1", "NA-VINH/Q2", "NA-VINH/Q3"]]


@pytest.fixture(scope="module")
def printing(live_server):
    """The live server's database, with a CLI runner whose public URL is PUBLIC."""
    for tool in ("pdfinfo", "pdftoppm", "zbarimg"):
        if shutil.which(tool) is None:
            pytest.fail(f"{tool} is missing: run `make system-deps`")
    app = live_server.app()
    app.config["PUBLIC_URL"] = PUBLIC
    yield app
    with app.app_context():
        db.engine.dispose()


def run_cli(app, *args: str) -> str:
    result = app.test_cli_runner().invoke(args=["survey", *args])
    assert result.exit_code == 0, result.output
    return result.output


def print_to_pdf(browser, html: Path, shot: Path) -> Path:
    page = browser.new_page(viewport={"width": 1280, "height": 800})
    page.goto(html.as_uri())
    assert axe_serious(page) == []
    page.screenshot(path=str(shot), full_page=False)
    pdf = html.with_suffix(".pdf")
    page.pdf(path=str(pdf), prefer_css_page_size=True, print_background=True)
    page.close()
    return pdf


def pdf_info(pdf: Path) -> dict[str, str]:
    out = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True)
    return dict(re.findall(r"^([^:]+):\s+(.*)$", out.stdout, re.M))


#: Read QR codes only: with every symbology on, zbar also "finds" a CODE-39 in the
#: poster's artwork at some resolutions (seen at 90 dpi on A5 pages).
ZBAR_QR_ONLY = ["zbarimg", "--quiet", "--raw", "-Sdisable", "-Sqrcode.enable"]


def decode_pages(pdf: Path, dpis: tuple[int, ...]) -> list[list[str]]:
    """The QR contents found on each page of ``pdf``, page by page.

    zbar reading a page that holds ten codes misses one now and then (measured:
    about 1 in 300 at any one resolution, never the same code at all three), so
    each page is rasterised at every resolution in ``dpis`` and what was read
    is united. A code that is missing or on the wrong page still fails.
    """
    pages: list[set[str]] = []
    for dpi in dpis:
        prefix = pdf.with_name(f"{pdf.stem}-{dpi}dpi")
        subprocess.run(["pdftoppm", "-r", str(dpi), "-png", str(pdf), str(prefix)], check=True)
        images = sorted(pdf.parent.glob(prefix.name + "-*.png"))
        pages += [set() for _ in range(len(images) - len(pages))]
        for number, image in enumerate(images):
            out = subprocess.run(ZBAR_QR_ONLY + [str(image)],
                                 capture_output=True, text=True, check=False)
            pages[number].update(out.stdout.split())
    return [sorted(found) for found in pages]


@pytest.mark.parametrize("size, paper", [("a4", "A4"), ("a5", "A5")])
def test_posters_print_one_page_per_counter(printing, browser, tmp_path, size, paper):
    html = tmp_path / f"posters-{size}.html"
    with printing.app_context():
        run_cli(printing, "posters", "--unit", "NA-VINH", "--size", size, "--out", str(html))
    pdf = print_to_pdf(browser, html, tmp_path / f"posters-{size}.png")
    info = pdf_info(pdf)
    assert int(info["Pages"]) == len(POSTER_URLS)
    assert f"({paper})" in info["Page size"]
    assert decode_pages(pdf, dpis=(60, 90)) == [[url] for url in POSTER_URLS]
    assert (tmp_path / f"posters-{size}.png").stat().st_size > 10_000


def test_receipt_sheet_prints_every_slip(printing, browser, tmp_path):
    html = tmp_path / "slips.html"
    with printing.app_context():
        run_cli(printing, "receipts", "issue", "--unit", "NA-VINH-Q1", "--service",
                "ui_apply", "--count", "23", "--out", str(html))
        codes = set(db.session.scalars(sa.select(ReceiptCode.code)))
    pdf = print_to_pdf(browser, html, tmp_path / "slips.png")
    info = pdf_info(pdf)
    assert int(info["Pages"]) == 3 and "(A4)" in info["Page size"]
    pages = decode_pages(pdf, dpis=(110, 150, 200))
    assert [len(p) for p in pages] == [10, 10, 3]
    assert sorted(url for page in pages for url in page) == sorted(
        f"{PUBLIC}/r/{code}" for code in codes)


def test_receipt_code_from_slip_opens_survey(live_server, printing, phone_page, tmp_path):
    with printing.app_context():
        run_cli(printing, "receipts", "issue", "--unit", "NA-DEMO2-Q1", "--service",
                "training", "--count", "1", "--out", str(tmp_path / "one.html"))
        code = db.session.scalars(sa.select(ReceiptCode.code).order_by(
            ReceiptCode.id.desc())).first()
    page = phone_page
    page.goto(f"{live_server.url}/r/{code.lower()}")
    assert "Hỗ trợ học nghề" in page.content()
    assert axe_serious(page) == []
    page.goto(f"{live_server.url}/r/ZZZZZZZZ")
    assert "Không tìm thấy mã khảo sát này" in page.content()
    assert axe_serious(page) == []
    page.screenshot(path=str(tmp_path / "unknown.png"))
