"""Responses are compressed only in a coding the client accepts (RFC 9110 12.5.3: q=0
means "not acceptable", which Flask-Compress alone would take as a choice)."""
from __future__ import annotations

import gzip

import pytest


@pytest.mark.parametrize("accepted, gzipped", [
    ("gzip", True), ("gzip;q=0.5, br", True), ("*", True), ("br;q=1, *;q=0.1", True),
    ("gzip;q=0", False), ("gzip;q=0, identity", False), ("identity", False), ("br", False),
    ("", False), (None, False),
])
def test_a_page_is_gzipped_only_when_the_client_takes_gzip(client, demo, accepted, gzipped):
    headers = {"Accept-Encoding": accepted} if accepted is not None else {}
    response = client.get("/", headers=headers)
    assert response.status_code == 200
    assert (response.headers.get("Content-Encoding") == "gzip") == gzipped
    assert "Accept-Encoding" in response.headers["Vary"]
    body = response.get_data()
    text = gzip.decompress(body) if gzipped else body
    assert b"<html" in text
