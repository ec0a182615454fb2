"""The database fixtures themselves: what a test commits is gone for the next test, shared
data is there only for tests that ask for it, and ``real_commits`` tests really commit.

The tests of each pair run in file order, one after the other.
"""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from survey.models import Unit


def test_a_commit_in_the_code_under_test_1(db, make_unit, count_rows):
    make_unit("ZZ-ONE", kind="province")
    db.session.commit()  # only releases a savepoint
    db.session.rollback()
    assert count_rows(Unit) == 1


def test_a_commit_in_the_code_under_test_2_is_gone(count_rows):
    assert count_rows(Unit) == 0


def test_shared_demo_data_1(demo, db, make_unit, count_rows):
    demo_units = count_rows(Unit)
    assert demo_units > 0
    unit = demo.unit_by_code(db.session, "NA-VINH")
    unit.name_en = "Changed"
    make_unit("ZZ-TWO", kind="province")
    db.session.commit()
    db.session.rollback()  # the test's own work stays until the test ends ...
    assert count_rows(Unit) == demo_units + 1


def test_shared_demo_data_2_is_as_seeded(demo, db, count_rows):
    # ... and is undone then; the demo data below it is not.
    assert demo.unit_by_code(db.session, "NA-VINH").name_en != "Changed"
    assert demo.unit_by_code(db.session, "ZZ-TWO") is None


def test_shared_demo_data_3_not_seen_without_asking(count_rows):
    assert count_rows(Unit) == 0


def test_another_app_context_joins_the_same_transaction(app, db, make_unit, count_rows):
    with app.app_context():  # e.g. a thread-free second visit; its own session
        make_unit("ZZ-THREE", kind="province")
        db.session.commit()
    assert count_rows(Unit) == 1


@pytest.mark.real_commits
def test_real_commits_1_are_seen_by_another_connection(db, make_unit):
    make_unit("ZZ-FOUR", kind="province")
    db.session.commit()
    with db.engine.connect() as other:
        assert other.scalar(sa.select(sa.func.count()).select_from(Unit)) == 1


def test_real_commits_2_are_emptied_after(count_rows):
    assert count_rows(Unit) == 0
