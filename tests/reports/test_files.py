"""The files: XLSX read back with openpyxl, CSV with csv and pandas, PDF rasterised;
byte-identical twice; formula injection guarded."""
from __future__ import annotations

import csv
import io
import shutil
import subprocess
import zipfile

import openpyxl
import pandas as pd
import pytest

from survey.io.reports import risky
from survey.services.reports import files
from survey.services.reports.info import all_sheets
from survey.services.reports.model import Column, Report, Sheet


def _cell_value(value):
    return None if value == "" else value


def test_the_xlsx_holds_every_figure_of_every_sheet(app, report, header):
    data = files.render(report, header, "xlsx")
    book = openpyxl.load_workbook(io.BytesIO(data))
    sheets = all_sheets(report, header)
    assert book.sheetnames == [s.name for s in sheets]
    assert book.sheetnames[0] == "ThongTin"
    for sheet in sheets:
        ws = book[sheet.name]
        assert [c.value for c in ws[1]][:len(sheet.columns)] == [c.label for c in sheet.columns]
        assert [c.value for c in ws[2]][:len(sheet.columns)] == [c.code for c in sheet.columns]
        for r, row in enumerate(sheet.rows, start=3):
            for c, (column, value) in enumerate(zip(sheet.columns, row), start=1):
                cell = ws.cell(r, c)
                assert cell.value == _cell_value(value), (sheet.name, r, column.code)
                if column.kind == "percent" and value is not None:
                    assert cell.data_type == "n" and cell.number_format == "0.0%"
        assert ws.freeze_panes == "A3"
        assert ws.page_setup.orientation == "landscape" and ws.page_setup.paperSize in (9, "9")
        assert ws.column_dimensions["A"].width > 5
        assert ws.print_title_rows == "$1:$2"


def test_thong_tin_says_who_what_and_the_digest(app, report, header):
    info = all_sheets(report, header)[0].records()
    values = {r["field"]: r["value"] for r in info}
    assert values["period"] == "2026-Q3" and values["period_start"] == "01/07/2026"
    assert values["sha256"] == report.figures_sha256() and len(values["sha256"]) == 64
    assert values["unit"] == "Tỉnh Nghệ An (NA)" and values["questionnaires"]


@pytest.mark.parametrize("fmt", ["xlsx", "csv", "pdf"])
def test_the_same_figures_give_the_same_bytes(app, report, header, fmt):
    first = files.render(report, header, fmt)
    again = files.render(Report.from_json(report.to_json()), header, fmt)
    assert first == again and len(first) > 1000


def test_different_figures_give_different_files(app, report, header):
    changed = Report.from_json(report.to_json())
    changed.sheet("TongHop").rows[0][5] += 1
    assert files.render(changed, header, "xlsx") != files.render(report, header, "xlsx")
    assert changed.figures_sha256() != report.figures_sha256()


def test_csv_files_have_a_bom_and_the_documented_columns(app, report, header):
    archive = zipfile.ZipFile(io.BytesIO(files.render(report, header, "csv")))
    sheets = all_sheets(report, header)
    assert archive.namelist() == [f"{i:02d}_{s.name}.csv" for i, s in enumerate(sheets, 1)]
    for info, sheet in zip(archive.infolist(), sheets):
        assert info.date_time == (1980, 1, 1, 0, 0, 0)
        raw = archive.read(info)
        assert raw.startswith(b"\xef\xbb\xbf")
        rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
        assert rows[0] == [c.label for c in sheet.columns]
        assert rows[1] == [c.code for c in sheet.columns]
        assert len(rows) == len(sheet.rows) + 2
        frame = pd.read_csv(io.BytesIO(raw), encoding="utf-8-sig", header=1)
        assert list(frame.columns) == [c.code for c in sheet.columns]
        assert len(frame) == len(sheet.rows)
        if sheet.name == "TongHop":
            for value, row in zip(frame["index"], sheet.rows):
                expected = row[sheet.column("index")]
                assert (pd.isna(value) and expected is None) or abs(value - expected) < 1e-9


def test_formulas_are_written_as_text(app, header):
    bad = ["=HYPERLINK(\"http://x\",\"a\")", "+1+1", "-2+3", "@SUM(A1)"]
    sheet = Sheet("TongHop", "t", [Column("unit_name", "Đơn vị"), Column("n", "n", "count")],
                  [[text, 1] for text in bad], ["=1+1 note"])
    report = Report("NA", "=evil", "2026-Q3", "01/07/2026", "30/09/2026", False, ["1"],
                    [sheet])
    ws = openpyxl.load_workbook(io.BytesIO(files.render(report, header, "xlsx")))["TongHop"]
    for r, text in enumerate(bad, start=3):
        cell = ws.cell(r, 1)
        assert cell.value == text and cell.data_type == "s"
        assert cell.quotePrefix
    thong_tin = openpyxl.load_workbook(io.BytesIO(files.render(report, header, "xlsx")))[
        "ThongTin"]
    assert all(c.data_type != "f" for row in thong_tin.iter_rows() for c in row)
    archive = zipfile.ZipFile(io.BytesIO(files.render(report, header, "csv")))
    text = archive.read("02_TongHop.csv").decode("utf-8-sig")
    for value in bad:
        assert "'" + value.replace('"', '""') in text
    assert all(not risky(cell) for line in csv.reader(io.StringIO(text)) for cell in line)


def test_the_pdf_is_a4_landscape_with_a_cover(app, report, header, tmp_path):
    assert shutil.which("pdftoppm"), "make system-deps installs poppler-utils"
    pdf = tmp_path / "r.pdf"
    pdf.write_bytes(files.render(report, header, "pdf"))
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True).stdout
    assert "841.89 x 595.2" in info  # A4 landscape, in points
    text = subprocess.run(["pdftotext", "-layout", "-f", "1", "-l", "1", str(pdf), "-"],
                          capture_output=True, text=True).stdout
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in text and "Thủ trưởng đơn vị" in text
    assert report.figures_sha256() in text
    subprocess.run(["pdftoppm", "-r", "40", "-png", "-f", "1", "-l", "3", str(pdf),
                    str(tmp_path / "page")], check=True)
    pages = sorted(tmp_path.glob("page-*.png"))
    assert len(pages) == 3 and all(p.stat().st_size > 2000 for p in pages)
