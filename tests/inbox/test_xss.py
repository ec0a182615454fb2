"""Stored XSS and disguising characters: a comment with ``<script>``, ``"><img onerror>``
and RTL / zero-width characters is inert on every page that could show it and in every
message the inbox sends. (The inbox list and the case page: tests/admin/
test_views_inbox.py::test_stored_xss_and_invisible_characters_render_inert; the public
feedback page's quotes: tests/admin/test_views_feedback_page.py.)"""
from __future__ import annotations

import sqlalchemy as sa

from survey.models import Contact, OutboxChannel, OutboxMessage, Role
from survey.services.audit import Actor
from survey.services.inbox.handling import assign
from survey.services.inbox.outbox import claim_due, queue_reply
from survey.services.inbox.senders import FileSender, SmtpSender
from tests.support.inbox import add_case

NASTY = ('<script>alert("x")</script> "><img src=x onerror=alert(1)> '
         "\u202egnp.exe\u202c zero\u200bwidth \u2066isolate\u2069")
HIDDEN = "\u202e\u202c\u200b\u2066\u2069"
ME = Actor(None, "h@example.org")


def assert_inert_html(html: str) -> None:
    assert "<script>alert" not in html and "<img src=x" not in html
    assert not any(char in html for char in HIDDEN)


def test_the_status_page_shows_no_comment_and_nothing_live(client, db, app, demo):
    case = add_case(db.session, app.config, comment=NASTY, contact=True)
    for path in (f"/y-kien/{case.reference}", f"/y-kien/{case.reference}?lang=en"):
        html = client.get(path).get_data(as_text=True)
        assert_inert_html(html)
        assert "gnp.exe" not in html  # the comment is never on this page
    # A hostile request form is answered with the page again, still inert.
    answer = client.post(f"/y-kien/{case.reference}/du-lieu",
                         data={"kind": NASTY, "csrf_token": NASTY})
    assert answer.status_code == 400
    assert_inert_html(answer.get_data(as_text=True))


def test_a_reply_quoting_the_comment_is_plain_text_without_disguises(db, app, demo,
                                                                    tmp_path):
    case = add_case(db.session, app.config, comment=NASTY, contact=True)
    contact = db.session.scalars(sa.select(Contact)).one()
    queue_reply(db.session, case, contact, OutboxChannel.email, "Trả lời " + NASTY,
                "Ông/Bà viết: " + NASTY, ME)
    db.session.commit()
    (message,) = claim_due(db.session)
    assert not any(char in message.body + message.subject for char in HIDDEN)
    assert "exe.gnp" not in message.body and "gnp.exe" in message.body  # shown as typed
    email = SmtpSender("localhost", sender="inbox@example.org")._email(message)
    assert email.get_content_type() == "text/plain" and not email.is_multipart()
    assert not any(char in email.get_content() for char in HIDDEN)
    FileSender(tmp_path).send(message)
    (written,) = tmp_path.iterdir()
    assert not any(char in written.read_text(encoding="utf-8") for char in HIDDEN)


def test_the_daily_digest_carries_no_claimant_text(runner, db, app, demo, make_staff):
    handler = make_staff("d@example.org")
    case = add_case(db.session, app.config, comment=NASTY)
    assign(db.session, case, handler, ME, [Role.handler])
    db.session.commit()
    assert runner.invoke(args=["survey", "inbox", "digest"]).exit_code == 0
    (digest,) = db.session.scalars(sa.select(OutboxMessage)).all()
    assert "script" not in digest.body and "gnp" not in digest.body
    assert not any(char in digest.body for char in HIDDEN)
