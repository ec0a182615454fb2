"""Replies through the outbox: only with consent and a matching contact; the case moves
to "replied"; a failing sender loses nothing and retries with back-off; a message is
never sent twice, even when two workers run; recipients are masked once sent."""
from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from survey.models import (CaseEventKind, CaseStatus, Contact, OutboxChannel, OutboxMessage,
                           OutboxState)
from survey.services.audit import Actor
from survey.services.errors import ServiceError
from survey.services.inbox.outbox import (MAX_ATTEMPTS, claim_due, deliver, mask, messages_of,
                                          queue_reply, record_result, reply_channels)
from survey.services.inbox.senders import (FileSender, Outgoing, SendError, sender_from)

ME = Actor(None, "h@example.org")
T0 = dt.datetime(2027, 3, 1, 8, tzinfo=dt.timezone.utc)


class Flaky:
    """Fails ``failures`` times, then records what it sends."""

    def __init__(self, failures: int = 0):
        self.failures, self.sent = failures, []

    def send(self, message: Outgoing) -> None:
        if self.failures:
            self.failures -= 1
            raise SendError("server unreachable")
        self.sent.append(message)


def contact_of(db, case) -> Contact:
    return db.session.scalars(sa.select(Contact).filter_by(response_id=case.response_id)).one()


@pytest.fixture
def replied(db, open_case):
    """A case with contact details and a reply queued by e-mail."""
    case = open_case(contact=True)
    message = queue_reply(db.session, case, contact_of(db, case), OutboxChannel.email,
                          "Trả lời góp ý", "Cảm ơn chị, chúng tôi đã bố trí thêm ghế.", ME,
                          now=T0)
    return case, message


def test_a_reply_is_queued_noted_and_moves_the_case(db, replied):
    case, message = replied
    assert (message.state, message.recipient, message.attempts) == (
        OutboxState.pending, "lan@example.org", 0)
    assert case.status is CaseStatus.replied
    kinds = [e.kind for e in case.events]
    assert CaseEventKind.reply in kinds and kinds.count(CaseEventKind.status) == 2
    assert messages_of(db.session, case) == [message]


def test_no_reply_without_consented_contact_details(db, open_case):
    bare = open_case()
    assert reply_channels(None) == []
    with pytest.raises(ServiceError):
        queue_reply(db.session, bare, None, OutboxChannel.email, "s", "text", ME)
    case = open_case(contact=True)
    contact = contact_of(db, case)
    contact.purpose = "survey_follow_up"
    assert reply_channels(contact) == []
    contact.purpose, contact.email = "reply", ""
    assert reply_channels(contact) == [OutboxChannel.sms]
    with pytest.raises(ServiceError):
        queue_reply(db.session, case, contact, OutboxChannel.email, "s", "text", ME)
    with pytest.raises(ServiceError):
        queue_reply(db.session, case, contact, OutboxChannel.sms, "s", "x" * 481, ME)
    assert db.session.scalar(sa.select(sa.func.count(OutboxMessage.id))) == 0


def test_a_failing_sender_loses_nothing_and_retries_with_back_off(db, replied):
    _case, message = replied
    sender = Flaky(failures=2)
    commit = db.session.flush
    assert deliver(db.session, sender, commit, now=T0) == {"pending": 1}
    assert message.last_error == "server unreachable" and message.attempts == 1
    assert message.next_attempt_at == T0 + dt.timedelta(minutes=2)
    assert deliver(db.session, sender, commit, now=T0 + dt.timedelta(minutes=1)) == {}
    t2 = T0 + dt.timedelta(minutes=2)
    assert deliver(db.session, sender, commit, now=t2) == {"pending": 1}
    assert message.next_attempt_at == t2 + dt.timedelta(minutes=4)
    assert deliver(db.session, sender, commit, now=t2 + dt.timedelta(minutes=4)) == {"sent": 1}
    assert len(sender.sent) == 1 and message.state is OutboxState.sent
    assert message.recipient == "l***@example.org" and message.last_error is None
    assert deliver(db.session, sender, commit, now=T0 + dt.timedelta(days=1)) == {}
    assert len(sender.sent) == 1  # nothing sent twice


def test_the_outbox_gives_up_visibly_after_the_last_try(db, replied):
    _case, message = replied
    sender, now = Flaky(failures=99), T0
    for _try in range(MAX_ATTEMPTS):
        deliver(db.session, sender, db.session.flush, now=now)
        now += dt.timedelta(hours=2)
    assert message.state is OutboxState.failed and message.attempts == MAX_ATTEMPTS
    assert message.recipient == "lan@example.org"  # kept for a person to act on
    assert deliver(db.session, sender, db.session.flush, now=now) == {}


def test_a_claimed_message_is_not_claimed_again_by_another_worker(db, replied):
    _case, message = replied
    first = claim_due(db.session, T0)
    assert [m.id for m in first] == [message.id]
    assert claim_due(db.session, T0) == []  # the other worker finds nothing
    assert claim_due(db.session, T0 + dt.timedelta(minutes=4)) == []
    # A worker that died mid-send: after the lease the message is tried again.
    assert [m.id for m in claim_due(db.session, T0 + dt.timedelta(minutes=5))] == [message.id]
    assert record_result(db.session, message.id, None, T0) is OutboxState.sent
    assert claim_due(db.session, T0 + dt.timedelta(days=1)) == []


def test_the_file_sender_writes_one_file_per_message(tmp_path):
    message = Outgoing(7, "email", "lan@example.org", "Trả lời", "Nội dung <b>")
    sender = FileSender(tmp_path / "outbox")
    sender.send(message)
    sender.send(message)  # the same message again is the same file
    (written,) = (tmp_path / "outbox").iterdir()
    assert written.name == "00000007-email.txt"
    assert written.read_text(encoding="utf-8").endswith("Nội dung <b>\n")
    blocked = FileSender(written)  # a file where the folder should be
    with pytest.raises(SendError):
        blocked.send(message)


def test_the_sender_is_chosen_by_configuration(tmp_path):
    assert sender_from({}, str(tmp_path)).email.folder == tmp_path / "outbox"
    assert type(sender_from({"MAIL_SENDER": "smtp", "SMTP_HOST": "mail"}, str(tmp_path))
                .email).__name__ == "SmtpSender"
    with pytest.raises(ValueError):
        sender_from({"MAIL_SENDER": "pigeon"}, str(tmp_path))


def test_masks_keep_no_more_than_needed():
    assert mask("lan@example.org") == "l***@example.org"
    assert mask("0912345678") == "***5678" and mask("123") == "***"


def test_the_command_sends_the_outbox(runner, db, replied, app):
    from pathlib import Path

    replied[1].next_attempt_at = dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc)  # due now
    db.session.commit()
    result = runner.invoke(args=["survey", "inbox", "send"])
    assert result.exit_code == 0, result.output
    (written,) = (Path(app.instance_path) / "outbox").iterdir()
    assert "Cảm ơn chị" in written.read_text(encoding="utf-8")
    db.session.refresh(replied[1])
    assert replied[1].state is OutboxState.sent
