"""Importing units from CSV: all or nothing, row-level errors, encodings, stable codes."""
from __future__ import annotations

import pytest
from flask_babel import force_locale

from survey.models import Response, Unit, UnitKind
from survey.services.catalogue.units import UnitImportError, import_units, unit_tree

HEADER = "code,parent_code,kind,name_vi,name_en,active\n"
TREE = HEADER + (
    "HT,,province,Tỉnh Hà Tĩnh,Ha Tinh province,1\n"
    "HT-TT,HT,centre,Trung tâm DVVL Hà Tĩnh,Ha Tinh centre,1\n"
    "ht-tt-q1,HT-TT,counter,Quầy 1,Counter 1,\n"
    "HT-KA,HT-TT,branch,Điểm Kỳ Anh,Ky Anh point,có\n"
    "HT-KA-Q1,HT-KA,counter,Quầy 1 Kỳ Anh,,0\n")


def units(db) -> dict[str, Unit]:
    return {u.code: u for u in db.session.scalars(db.select(Unit))}


def test_import_creates_the_tree(db):
    summary = import_units(db.session, TREE.encode("utf-8"))
    db.session.commit()
    got = units(db)
    assert sorted(summary.created) == sorted(got)
    assert got["HT-TT-Q1"].parent.code == "HT-TT" and got["HT-TT-Q1"].active
    assert got["HT-KA-Q1"].kind is UnitKind.counter and not got["HT-KA-Q1"].active
    assert got["HT-KA"].name_vi == "Điểm Kỳ Anh" and got["HT"].parent is None
    assert [d for d, _u in unit_tree(db.session)] == [0, 1, 2, 3, 2]


@pytest.mark.parametrize("encode", [
    lambda t: t.encode("utf-8-sig"),
    lambda t: t.replace("\n", "\r\n").encode("utf-8"),
    lambda t: t.replace(",", ";").encode("utf-8"),
    lambda t: t.replace(",", "\t").encode("utf-8-sig"),
])
def test_bom_line_endings_and_separators(db, encode):
    import_units(db.session, encode(TREE))
    assert units(db)["HT-KA"].name_vi == "Điểm Kỳ Anh"


@pytest.mark.parametrize("encoding, words", [
    ("cp1258", "không phải mã UTF-8"), ("utf-16", "mã UTF-16"), ("latin-1", "Windows-1258")])
def test_other_encodings_are_named(db, encoding, words, count_rows):
    text = TREE if encoding != "latin-1" else HEADER + "HT,,province,Tỉnh Ha Tinh é,,1\n"
    data = text.encode(encoding, errors="replace")
    with pytest.raises(UnitImportError) as info:
        import_units(db.session, data)
    assert words in str(info.value) and "CSV UTF-8" in str(info.value)
    assert count_rows(Unit) == 0


def test_row_errors_in_the_active_language_and_nothing_written(db, count_rows):
    bad = HEADER + (
        "HT,,province,Tỉnh Hà Tĩnh,,1\n"
        "HT TT,HT,centre,Trung tâm,,1\n"            # line 3: bad code
        "HT-X,HT,kiosk,Quầy,,1\n"                   # line 4: bad kind
        "HT-Y,HT,centre,,,1\n"                      # line 5: no name
        "HT-Z,HT,centre,Z,,maybe\n"                 # line 6: bad active
        "HT-Q,NOPE,counter,Q,,1\n"                  # line 7: unknown parent
        "HT-C,HT-Q9,centre,C,,1\n")                 # line 8: unknown parent
    with pytest.raises(UnitImportError) as info:
        import_units(db.session, bad.encode())
    lines = {(e.line, e.column) for e in info.value.rows}
    assert {(3, "code"), (4, "kind"), (5, "name_vi"), (6, "active")} <= lines
    assert set(info.value.errors) == {"3", "4", "5", "6"}  # tree checks wait for a clean parse
    with force_locale("vi"):
        vi = str(info.value)
    with force_locale("en"):
        en = str(info.value)
    assert "Dòng 3, cột code: mã “HT TT” không hợp lệ" in vi and "Line 3" not in vi
    assert "Line 3, column code: invalid code “HT TT”" in en and "Dòng" not in en
    assert str(info.value.message) == "Tệp có lỗi; chưa nhập dòng nào."
    assert count_rows(Unit) == 0
    tree_errors = HEADER + "HT,,province,T,,1\nHT-Q,NOPE,counter,Q,,1\nHT-Q,HT,counter,Q,,1\n"
    with pytest.raises(UnitImportError) as info:
        import_units(db.session, tree_errors.encode())
    text = str(info.value)
    assert "không có đơn vị cha NOPE" in text and "mã HT-Q đã có ở dòng 3" in text
    with force_locale("en"):
        assert "code HT-Q repeats line 3" in str(info.value)
    assert count_rows(Unit) == 0


@pytest.mark.parametrize("rows, words", [
    ("HT-TT,,centre,T,,1\n", "only a province may have no parent"),
    ("HT,,province,T,,1\nHT-Q,HT,counter,Q,,1\nHT-B,HT-Q,branch,B,,1\n",
     "a branch cannot be under a counter"),
    ("HT,,province,T,,1\nHT-2,HT,province,P,,1\n", "a province cannot be under a province"),
    ("HT,,province,T,,1,extra\n", "more cells than the header"),
    ("", "the file has no rows"),
])
def test_tree_rules(db, rows, words, count_rows):
    with pytest.raises(UnitImportError) as info:
        import_units(db.session, (HEADER + rows).encode())
    with force_locale("en"):
        assert words in str(info.value)
    assert count_rows(Unit) == 0


def test_missing_columns(db):
    with pytest.raises(UnitImportError) as info:
        import_units(db.session, b"code,name\nHT,x\n")
    assert "Dòng 1, cột kind, name_vi: thiếu cột bắt buộc" in str(info.value)


def test_reimport_renames_and_deactivates_without_moving_responses(
        db, questionnaire, make_response):
    import_units(db.session, TREE.encode())
    q1 = units(db)["HT-TT-Q1"]
    response = make_response(q1)
    db.session.commit()
    renamed = TREE.replace("Quầy 1,Counter 1,", "Quầy số 1,Counter no. 1,0")
    summary = import_units(db.session, renamed.encode())
    db.session.commit()
    assert summary.updated == ["HT-TT-Q1"] and "NA" in summary.absent
    db.session.expire_all()
    unit = db.session.get(Unit, q1.id)
    assert (unit.name_vi, unit.active) == ("Quầy số 1", False)
    assert db.session.get(Response, response.id).unit_id == q1.id
    # Units not in the file are kept, never deleted; the same file again changes nothing.
    assert "NA-VINH-Q1" in units(db)
    again = import_units(db.session, renamed.encode())
    assert again.updated == [] and again.created == []


def test_moving_a_unit_with_responses_is_refused(db, questionnaire, make_response, count_rows):
    import_units(db.session, TREE.encode())
    make_response(units(db)["HT-TT-Q1"])
    db.session.commit()
    moved = TREE.replace("ht-tt-q1,HT-TT", "ht-tt-q1,HT-KA")
    with pytest.raises(UnitImportError) as info:
        import_units(db.session, moved.encode())
    assert "HT-TT-Q1 đã có phản hồi hoặc mã khảo sát" in str(info.value)
    with force_locale("en"):
        assert "HT-TT-Q1 has responses or receipt codes" in str(info.value)
    db.session.expire_all()
    assert units(db)["HT-TT-Q1"].parent.code == "HT-TT"
    # Without responses a unit may still move.
    free = TREE.replace("HT-KA-Q1,HT-KA", "HT-KA-Q1,HT-TT")
    import_units(db.session, free.encode())
    assert units(db)["HT-KA-Q1"].parent.code == "HT-TT"


def test_kind_change_that_orphans_children_is_refused(db):
    import_units(db.session, TREE.encode())
    db.session.commit()
    only_branch = HEADER + "HT-KA,HT-TT,counter,Điểm Kỳ Anh,,1\n"
    with pytest.raises(UnitImportError) as info:
        import_units(db.session, only_branch.encode())
    with force_locale("en"):
        assert "HT-KA-Q1 (counter) is under HT-KA" in str(info.value)


def test_cli_import_and_list(runner, db, tmp_path):
    good = tmp_path / "units.csv"
    good.write_bytes(TREE.encode("utf-8-sig"))
    result = runner.invoke(args=["survey", "units", "import", str(good)])
    assert result.exit_code == 0, result.output
    assert "Tạo mới: 5; cập nhật: 0" in result.output
    listing = runner.invoke(args=["survey", "units", "list"])
    assert "  HT-TT" in listing.output
    assert "Quầy 1 Kỳ Anh  [ngừng hoạt động]" in listing.output
    bad = tmp_path / "bad.csv"
    bad.write_bytes((HEADER + "HT-Z,,counter,Z,,1\n").encode())
    result = runner.invoke(args=["survey", "units", "import", str(bad)])
    assert result.exit_code == 1
    assert "Dòng 2: cột parent_code: chỉ cấp tỉnh mới không có đơn vị cha" in result.output
    assert "Tệp có lỗi; chưa nhập dòng nào. Số lỗi: 1." in result.output
    english = runner.invoke(args=["survey", "units", "import", str(bad), "--lang", "en"])
    assert english.exit_code == 1
    assert "Line 2: column parent_code: only a province may have no parent" in english.output
    assert "The file has errors; nothing was imported. Errors: 1." in english.output
    assert "Dòng" not in english.output
