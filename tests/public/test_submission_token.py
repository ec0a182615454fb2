"""The form's token: bound to its submission id, signed with the app's key, for
WTF_CSRF_TIME_LIMIT seconds; tokens of the earlier format still taken."""
from __future__ import annotations

import time
import uuid

import pytest

from survey.forms.survey_form import _serializer, submission_token, token_matches


@pytest.fixture
def ctx(app):
    with app.test_request_context():
        yield app


def test_a_token_fits_its_own_submission_id_only(ctx):
    sid, other = str(uuid.uuid4()), str(uuid.uuid4())
    token = submission_token(sid)
    assert sid not in token and token.count(".") == 1  # the post carries the id
    assert token_matches(token, sid)
    assert not token_matches(token, other)
    assert not token_matches("", sid) and not token_matches("x.y", sid)
    time_part, signature = token.split(".")

    def other(char: str) -> str:
        return "A" if char != "A" else "B"

    assert not token_matches(f"{time_part}.{signature[:-1]}{other(signature[-1])}", sid)
    # The signature covers the time: another time breaks it.
    assert not token_matches(f"{time_part[:-1]}{other(time_part[-1])}.{signature}", sid)


def test_another_key_or_salt_does_not_verify(ctx, app):
    sid = str(uuid.uuid4())
    token = submission_token(sid)
    app.config["SECRET_KEY"] = "another-secret"
    assert not token_matches(token, sid)
    assert token_matches(submission_token(sid), sid)


def test_a_token_expires_after_the_time_limit(ctx, app, monkeypatch):
    sid = str(uuid.uuid4())
    token = submission_token(sid)
    limit = app.config["WTF_CSRF_TIME_LIMIT"]
    now = time.time()
    monkeypatch.setattr(time, "time", lambda: now + limit - 5)
    assert token_matches(token, sid)
    monkeypatch.setattr(time, "time", lambda: now + limit + 5)
    assert not token_matches(token, sid)


def test_tokens_of_the_earlier_format_are_still_taken(ctx):
    """Forms open while a new release is installed carry the earlier token: the id
    serialized and signed whole, with the same key and salt."""
    sid = str(uuid.uuid4())
    earlier = _serializer().dumps(sid)
    assert earlier.count(".") == 2
    assert token_matches(earlier, sid)
    assert not token_matches(earlier, str(uuid.uuid4()))
    assert not token_matches(earlier[:-2] + "xx", sid)
