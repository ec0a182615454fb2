"""The one CSV reader behind every importer: size cap, encodings, separators, lines."""
from __future__ import annotations

import pytest
from flask_babel import force_locale

from survey.io.csvfile import CsvFileError, problems_by_line, read_csv

TEXT = "Unit;Count\nNA;1\n\n  ;  \n\"NA-\nDC\";2\nNA-VINH;3;extra\n"


def test_lines_separators_and_blank_rows():
    table = read_csv(TEXT.encode("utf-8-sig"), required=("unit", "count"))
    assert table.columns == ["unit", "count"]
    # a quoted cell spanning two lines keeps the line where its row starts
    assert table.rows == [(2, {"unit": "NA", "count": "1"}),
                          (5, {"unit": "NA-\nDC", "count": "2"}),
                          (7, {"unit": "NA-VINH", "count": "3"})]
    assert [(p.line, str(p.message)) for p in table.problems] == [
        (7, "more cells than the header")]


def test_tab_separated_with_aliases_and_short_rows():
    table = read_csv(b"parent\tcode\nNA\n", required=("code",), aliases={"parent": "p"})
    assert table.rows == [(2, {"p": "NA", "code": ""})]


@pytest.mark.parametrize("data, fragment", [
    ("a,b\n1,2\n".encode("utf-16"), "UTF-16"),
    ("a,b\nĐ,2\n".encode("cp1258"), "not UTF-8"),
    (b"a,b\n" + b"x" * 200, "too large"),
    (b"", "required column missing"),
    (b"a\n1\n", "required column missing"),
    (b"a,b\n\n,\n", "no rows"),
])
def test_files_refused_whole(app, data, fragment):
    with app.app_context(), force_locale("en"), pytest.raises(CsvFileError) as info:
        read_csv(data, required=("a", "b"), max_bytes=100)
    assert fragment in str(info.value)


def test_problems_by_line_names_the_column(app):
    with app.app_context(), force_locale("vi"):
        with pytest.raises(CsvFileError) as info:
            read_csv(b"a\n1\n", required=("a", "b"))
        errors = problems_by_line(info.value.problems)
        assert list(errors) == ["1"] and "b" in str(errors["1"][0])
        assert str(errors["1"][0]).startswith("cột")
