"""The vi and en catalogs are complete and the app speaks both."""
from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
TRANSLATIONS = ROOT / "survey" / "translations"


def catalog(locale):
    with (TRANSLATIONS / locale / "LC_MESSAGES" / "messages.po").open("rb") as fh:
        return read_po(fh, locale=locale)


def extracted_ids(tmp_path) -> set[str]:
    pot = tmp_path / "fresh.pot"
    subprocess.run([sys.executable, "-m", "babel.messages.frontend", "extract", "-F", "babel.cfg",
                    "-k", "_l", "-k", "lazy_gettext", "-o", str(pot), "--no-location", "."],
                   check=True, cwd=ROOT, capture_output=True)
    with pot.open("rb") as fh:
        return {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(fh) if m.id}


def test_every_string_in_code_is_in_both_catalogs(tmp_path):
    wanted = extracted_ids(tmp_path)
    for locale in ("vi", "en"):
        translated = {m.id if isinstance(m.id, str) else m.id[0]: m.string
                      for m in catalog(locale) if m.id and not m.fuzzy}
        missing = sorted(i for i in wanted if not translated.get(i))
        assert missing == [], f"{locale}: untranslated {missing[:10]}"


def test_vietnamese_catalog_is_really_vietnamese():
    # A msgstr copied from English would pass a completeness check; diacritics tell.
    marks = set("ăâđêôơưàáảãạèéẻẽẹìíỉĩịòóỏõọùúủũụỳýỷỹỵ"
                "ấầẩẫậắằẳẵặếềểễệốồổỗộớờởỡợứừửữự")
    plain = [m.id for m in catalog("vi")
             if m.id and isinstance(m.string, str) and len(m.string) > 12
             and not marks & set(m.string.lower())]
    assert plain == []


def test_questionnaire_data_has_both_languages():
    data = json.loads((ROOT / "survey" / "data" / "questionnaire_v1.json").read_text("utf-8"))
    for entry in data["items"] + data["dimensions"] + data["reasons"]:
        assert entry["vi"].strip() and entry["en"].strip()
        assert entry["vi"] != entry["en"]
    services = json.loads((ROOT / "survey" / "data" / "services.json").read_text("utf-8"))
    assert all(s["vi"] and s["en"] for s in services)
    assert len(data["items"]) <= 15


#: Wordings a native reader stumbles on (regular expressions), and why (issue 10).
STUMBLES = {
    r"chưa có gì được lưu": "a calque: “Câu trả lời của Ông/Bà chưa được ghi nhận.”, "
                            "“Hệ thống chưa lưu dữ liệu nào.”",
    r"mã phiếu": "clashes with “phiếu khảo sát”: “mã khảo sát”",
    r"xoá": "one spelling: “xóa”",
    r"(?<![-\w])demo(?![-\w])": "English (a command such as seed-demo is fine): "
                                "“thử nghiệm”, “minh họa”",
}


def test_vietnamese_catalog_avoids_known_stumbles():
    found = [(STUMBLES[word], m.id) for m in catalog("vi")
             if m.id and isinstance(m.string, str)
             for word in STUMBLES if re.search(word, m.string, re.IGNORECASE)]
    assert found == []


def test_vietnamese_decimals_use_a_comma():
    # 0,95 in prose. Allowed: thousands (10.000), versions (OpenAPI 3.1), and an input
    # example given right after “ví dụ” (the value is typed with a point).
    point = re.compile(r"(?<!ví dụ )(?<!OpenAPI )(?<![\d.])\d+\.\d+(?![\d.])")
    found = [(m.id, m.string) for m in catalog("vi") if m.id and isinstance(m.string, str)
             for hit in point.finditer(m.string) if not re.fullmatch(r"\d{1,3}\.\d{3}", hit[0])]
    assert found == []
