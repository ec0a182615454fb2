"""Microdata: an analyst reproduces the index from the extract alone, with the
project's own reference computation (tests/index/conftest.py: the design from raw
rows), unweighted and weighted by the served counts in the extract."""
from __future__ import annotations

import csv
import datetime as dt
import io
import json
import zipfile

import pytest

from survey.services.reporting.index import IndexQuery, index_table
from survey.services.reporting.served import import_served_csv
from survey.services.reports.microdata import microdata_zip
from tests.index.conftest import Stored, reference


def read(data: bytes) -> dict[str, list[dict[str, str]]]:
    archive = zipfile.ZipFile(io.BytesIO(data))
    return {name: list(csv.DictReader(io.StringIO(archive.read(name).decode("utf-8-sig"))))
            for name in archive.namelist() if name.endswith(".csv")} | {
        "codebook.json": json.loads(archive.read("codebook.json"))}


def stored_from(rows: list[dict[str, str]], items: list[str]) -> Stored:
    stored = Stored()
    for row in rows:
        stored.units.append(row["unit"])
        stored.days.append(dt.date.fromisoformat(row["day"]))
        stored.answers.append({c: int(row[c]) if row[c] else None for c in items})
        stored.services.append(row["service"] or None)
        stored.channels.append(row["channel"])
    return stored


def strata_from(units: list[dict[str, str]], served: dict[str, int]):
    """The stratum rule of docs/methodology.md §3, from units.csv alone: the nearest
    unit with a served count going up (the unit itself when there is none)."""
    parent = {u["unit"]: u["parent"] for u in units}

    def stratum(unit: str) -> str:
        at = unit
        while at:
            if at in served:
                return at
            at = parent.get(at, "")
        return unit
    return stratum


def same(row, expected):
    for name in ("estimate", "se", "low", "high", "df"):
        assert getattr(row, name) == pytest.approx(getattr(expected, name), rel=1e-9,
                                                   abs=1e-12), name


def test_the_index_is_reproduced_from_the_extract(app, db, seeded, questionnaire):
    files = read(microdata_zip(db.session, "NA", "2026-Q3"))
    items = [c["column"] for c in files["codebook.json"]["columns"]][6:]
    assert set(questionnaire.item_codes()) <= set(items)
    stored = stored_from(files["responses.csv"], items)
    assert len(stored.units) == 120 and files["served.csv"] == []
    table = index_table(db.session, IndexQuery("2026-Q3", "NA", "unit"))
    same(table.total, reference(stored, questionnaire))


def test_the_weighted_index_is_reproduced_too(app, db, seeded, questionnaire):
    import_served_csv(db.session, b"period,unit,count\n2026-Q3,NA-VINH-Q1,100\n"
                                  b"2026-Q3,NA-VINH,200\n2026-Q3,NA-DC,50\n")
    db.session.commit()
    files = read(microdata_zip(db.session, "NA", "2026-Q3"))
    items = [c["column"] for c in files["codebook.json"]["columns"]][6:]
    served = {r["unit"]: int(r["count"]) for r in files["served.csv"]}
    assert served == {"NA-VINH-Q1": 100, "NA-VINH": 200, "NA-DC": 50}
    stratum = strata_from(files["units.csv"], served)
    # N_h of a stratum: its count less the counts of the counted strata right below it.
    below = {"NA-VINH": 100}
    population = {h: n - below.get(h, 0) for h, n in served.items()}
    stored = stored_from(files["responses.csv"], items)
    table = index_table(db.session, IndexQuery("2026-Q3", "NA", "unit"))
    expected = reference(stored, questionnaire, stratum, population)
    assert table.total.weighted
    same(table.total, expected)


def test_no_free_text_nor_contact_in_the_extract(app, db, seeded):
    files = read(microdata_zip(db.session, "NA", "2026-Q3"))
    columns = set(files["responses.csv"][0])
    assert not columns & {"comment", "phone", "email", "contact", "id", "submitted_at"}
    assert all(e["label"] for e in files["codebook.json"]["columns"])
    assert [r["column"] for r in files["codebook.csv"]] == [
        c["column"] for c in files["codebook.json"]["columns"]]
