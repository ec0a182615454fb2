"""Two kiosks' retries racing: the same batch posted twice at once is stored once."""
from __future__ import annotations

import threading

import pytest

from survey.models import Answer, Response

from .conftest import spaced


@pytest.mark.real_commits  # two threads, two connections
def test_same_batch_posted_concurrently_is_stored_once(app, auth, count_rows):
    batch = spaced(40)
    ids = {i["id"] for i in batch}
    barrier = threading.Barrier(2)
    replies: list = [None, None]

    def send(slot: int) -> None:
        client = app.test_client()  # its own app context and session in this thread
        barrier.wait()
        replies[slot] = client.post("/api/v1/responses", json={"responses": batch},
                                    headers=auth)

    threads = [threading.Thread(target=send, args=(slot,)) for slot in (0, 1)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    bodies = [reply.get_json() for reply in replies]
    assert [reply.status_code for reply in replies] == [200, 200], bodies
    for body in bodies:
        assert set(body["accepted"]) | set(body["duplicates"]) == ids
        assert body["rejected"] == []
    accepted = [set(body["accepted"]) for body in bodies]
    assert accepted[0] | accepted[1] == ids and not accepted[0] & accepted[1]
    assert count_rows(Response) == 40
    assert count_rows(Answer) == 40 * 3
