"""``flask survey posters|qr|receipts issue``: the printed material from the command line."""
from __future__ import annotations

import re
import subprocess

import pytest

from survey.models import ReceiptCode
from survey.io import qr


def test_survey_urls_are_short_and_absolute(demo, db):
    q1 = demo.unit_by_code(db.session, "NA-VINH-Q1")
    centre = demo.unit_by_code(db.session, "NA-VINH")
    assert qr.survey_url("https://ks.example.vn/", q1) == "https://ks.example.vn/s/NA-VINH/Q1"
    assert qr.survey_url("https://ks.example.vn", centre, "ui_apply") == \
        "https://ks.example.vn/s/NA-VINH?svc=ui_apply"
    assert qr.display_url("https://ks.example.vn/s/NA") == "ks.example.vn/s/NA"
    assert qr.display_url("http://ks.example.vn/s/NA") == "http://ks.example.vn/s/NA"


def test_svg_has_no_ids_and_scales(tmp_path):
    svg = qr.qr_svg("http://survey.test/s/NA-VINH/Q1", label="x")
    assert svg.startswith("<svg") and " id=" not in svg and "viewBox" in svg
    assert "width=" not in svg.split(">")[0]


def decode(path) -> list[str]:
    out = subprocess.run(["zbarimg", "--quiet", "--raw", "-Sdisable", "-Sqrcode.enable", str(path)], capture_output=True,
                         text=True, check=False)
    return out.stdout.split()


def test_png_decodes_back_to_the_url(tmp_path):
    url = "http://survey.test/s/NA-DEMO1/Q2?svc=ui_report"
    path = tmp_path / "q.png"
    path.write_bytes(qr.qr_png(url))
    assert decode(path) == [url]


def test_posters_command(runner, demo, tmp_path):
    out = tmp_path / "posters.html"
    result = runner.invoke(args=["survey", "posters", "--unit", "NA-VINH", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert f"Số trang: 6 (A4), đã ghi vào {out}" in result.output
    html = out.read_text("utf-8")
    assert html.count('class="page poster a4"') == 6
    for code in ["NA-VINH/Q1", "NA-VINH/Q3", "NA-DEMO1/Q2", "NA-DEMO2/Q1"]:
        assert f"survey.test/s/{code}" in html
    assert "Ông/Bà có hài lòng với dịch vụ hôm nay không?" in html
    assert "Chỉ mất khoảng một phút." in html and "Khảo sát ẩn danh" in html
    # The form asks for a name and a phone number (optional), never an ID card number.
    assert "Không bắt buộc ghi họ tên, số điện thoại; không hỏi số CCCD." in html
    assert "không hỏi họ tên" not in html
    # Self-contained: nothing loaded from elsewhere, nothing scripted.
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", html)
    assert "<script" not in html and "@import" not in html and "url(" not in html


def test_posters_a5_with_service_and_english(runner, demo, tmp_path):
    out = tmp_path / "tents.html"
    result = runner.invoke(args=["survey", "posters", "--unit", "NA-DEMO1", "--size", "a5",
                                 "--service", "ui_report", "--lang", "en", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert f"Pages: 2 (A5), written to {out}" in result.output
    html = out.read_text("utf-8")
    assert html.count('class="page poster a5"') == 2 and "size:A5 portrait" in html
    assert "?svc=ui_report" in html and "Monthly job-search report" in html
    assert "How satisfied are you with our service today?" in html
    assert "Your name and phone number are optional; we do not ask for your ID card number." \
        in html


@pytest.mark.parametrize("args, words", [
    (["--unit", "NOPE"], "không có đơn vị đang hoạt động 'NOPE'"),
    (["--unit", "NA-VINH", "--service", "nope"], "không có dịch vụ 'nope'"),
    (["--unit", "NA-VINH", "--size", "a3"], "a3"),
])
def test_posters_bad_options(runner, demo, tmp_path, args, words):
    result = runner.invoke(args=["survey", "posters", *args, "--out", str(tmp_path / "x")])
    assert result.exit_code == 2 and words in result.output
    assert not (tmp_path / "x").exists()


def test_qr_command_writes_files(runner, demo, tmp_path):
    result = runner.invoke(args=["survey", "qr", "--unit", "NA-DEMO1", "--format", "png",
                                 "--out-dir", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert decode(tmp_path / "NA-DEMO1-Q2.png") == ["http://survey.test/s/NA-DEMO1/Q2"]
    runner.invoke(args=["survey", "qr", "--unit", "NA-VINH-Q1", "--service", "ui_apply",
                        "--out-dir", str(tmp_path)])
    assert (tmp_path / "NA-VINH-Q1_ui_apply.svg").read_text().startswith("<svg")


def test_receipts_issue_command(runner, demo, db, tmp_path, count_rows):
    out = tmp_path / "slips.html"
    result = runner.invoke(args=["survey", "receipts", "issue", "--unit", "NA-VINH-Q2",
                                 "--service", "ui_apply", "--count", "23", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "Số mã: 23, số trang: 3, hiệu lực 14 ngày" in result.output
    html = out.read_text("utf-8")
    codes = {r.code for r in db.session.scalars(db.select(ReceiptCode))}
    assert len(codes) == 23
    assert set(re.findall(r"survey\.test/r/([A-Z0-9]{8})<", html)) == codes
    assert html.count('class="slip"') == 23 and html.count('class="page a4 sheet"') == 3
    refused = runner.invoke(args=["survey", "receipts", "issue", "--unit", "NA-VINH",
                                  "--service", "ui_apply", "--count", "1001", "--out",
                                  str(tmp_path / "y.html")])
    assert refused.exit_code == 2 and count_rows(ReceiptCode) == 23


def test_unwritable_output_is_a_clear_error_and_issues_nothing(runner, demo, tmp_path,
                                                                count_rows):
    missing = tmp_path / "no-such-folder" / "slips.html"
    result = runner.invoke(args=["survey", "receipts", "issue", "--unit", "NA-VINH-Q1",
                                 "--service", "ui_apply", "--count", "5", "--out", str(missing)])
    assert result.exit_code == 1
    assert f"Không ghi được tệp {missing}" in result.output
    assert "Traceback" not in result.output
    assert count_rows(ReceiptCode) == 0  # no codes without their slips
    result = runner.invoke(args=["survey", "posters", "--unit", "NA-VINH", "--out",
                                 str(missing)])
    assert result.exit_code == 1 and f"Không ghi được tệp {missing}" in result.output
