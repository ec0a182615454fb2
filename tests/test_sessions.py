"""The lean session interface behaves as Flask's own: cookies round-trip, bad ones are
ignored, a new secret key invalidates old cookies, no cookie means an empty session."""
from __future__ import annotations

from flask import session

from survey.sessions import LeanSessionInterface


def test_sessions_round_trip_and_follow_the_key(app):
    assert isinstance(app.session_interface, LeanSessionInterface)

    @app.get("/__set")
    def set_value():
        session["n"] = 41
        return "set"

    @app.get("/__get")
    def get_value():
        return str(session.get("n"))

    client = app.test_client()
    assert client.get("/__get").get_data(as_text=True) == "None"
    assert client.get_cookie("session") is None
    client.get("/__set")
    assert client.get("/__get").get_data(as_text=True) == "41"
    client.set_cookie("session", client.get_cookie("session").value + "x")
    assert client.get("/__get").get_data(as_text=True) == "None"  # tampered: ignored
    client.get("/__set")
    app.secret_key = app.config["SECRET_KEY"] = "another key"
    assert client.get("/__get").get_data(as_text=True) == "None"  # signed with the old key
