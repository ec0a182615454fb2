"""Two simultaneous posts of one rendered form (a double tap on a slow network)."""
from __future__ import annotations

import threading

import pytest

from survey.models import Answer, Response
from tests.conftest import hidden_fields


@pytest.mark.real_commits  # two threads, two connections
def test_simultaneous_double_submit_stores_one_response(app, client, questionnaire, db,
                                                        count_rows):
    db.session.commit()  # nothing of the test's own session may hold a lock meanwhile
    page = client.get("/s/NA-VINH/Q2")
    body = {**hidden_fields(page.get_data(as_text=True)), "service": "ui_report",
            **{f"q_{code}": "5" for code in questionnaire.item_codes()}}
    assert client.get_cookie("session") is None  # the form's token needs no session
    statuses: list[int] = []
    start = threading.Barrier(2)

    def post() -> None:
        other = app.test_client()
        start.wait()
        statuses.append(other.post("/s/NA-VINH/Q2", data=body).status_code)

    threads = [threading.Thread(target=post) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    db.session.rollback()
    assert statuses == [303, 303]
    assert count_rows(Response) == 1
    assert count_rows(Answer) == len(questionnaire.items)
