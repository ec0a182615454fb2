"""Pluggable senders for the outbox: a file sender (the embedded default, so that
``make run`` needs nothing else), a console sender, SMTP (the standard library's
``smtplib``), and an adapter for an SMS gateway.

``SURVEY_MAIL_SENDER``: ``file`` (default; one text file per message under
``instance/outbox/``), ``console`` (the log) or ``smtp`` (``SURVEY_SMTP_HOST``,
``SURVEY_SMTP_PORT`` 587, ``SURVEY_SMTP_USER``, ``SURVEY_SMTP_PASSWORD``,
``SURVEY_SMTP_FROM``, ``SURVEY_SMTP_STARTTLS`` true). Text messages go to the file
sender unless the deployment plugs in a gateway (:class:`SmsGateway`).
"""
from __future__ import annotations

import logging
import smtplib
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path
from typing import Any, Mapping, Optional, Protocol

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Outgoing:
    """One message as a sender sees it; ``id`` lets a sender or provider recognise a
    repeat (the file sender overwrites, SMTP sets a stable Message-ID)."""

    id: int
    channel: str
    recipient: str
    subject: str
    body: str


class SendError(Exception):
    """The message could not be sent now; it will be tried again."""


class Sender(Protocol):
    def send(self, message: Outgoing) -> None:
        """Send ``message`` or raise :class:`SendError`."""


class SmsGateway(Protocol):
    """What an SMS provider's adapter implements (none ships: providers differ)."""

    def send_sms(self, phone: str, text: str, reference: str) -> None:
        """Send ``text`` to ``phone``; raise :class:`SendError` on failure."""


class FileSender:
    """Writes each message to ``<folder>/<id>-<channel>.txt``: the same message twice
    is the same file."""

    def __init__(self, folder: Path):
        self.folder = Path(folder)

    def send(self, message: Outgoing) -> None:
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            path = self.folder / f"{message.id:08d}-{message.channel}.txt"
            path.write_text(f"To: {message.recipient}\nSubject: {message.subject}\n\n"
                            f"{message.body}\n", encoding="utf-8")
        except OSError as exc:
            raise SendError(f"cannot write the message file: {exc.strerror}") from exc


class ConsoleSender:
    """Logs each message (development and demonstrations)."""

    def send(self, message: Outgoing) -> None:
        log.info("outbox message %s (%s) to %s: %s", message.id, message.channel,
                 message.recipient, message.subject)


class SmtpSender:
    """E-mail through an SMTP server; the Message-ID is stable per outbox message."""

    def __init__(self, host: str, port: int = 587, user: str = "", password: str = "",
                 sender: str = "", starttls: bool = True, timeout: float = 10):
        self.host, self.port, self.user, self.password = host, port, user, password
        self.sender, self.starttls, self.timeout = sender, starttls, timeout

    def _email(self, message: Outgoing) -> EmailMessage:
        email = EmailMessage()
        email["From"], email["To"] = self.sender, message.recipient
        email["Subject"] = message.subject
        domain = self.sender.rpartition("@")[2] or "localhost"
        email["Message-ID"] = f"<outbox-{message.id}@{domain}>"
        email.set_content(message.body)
        return email

    def send(self, message: Outgoing) -> None:
        try:
            with smtplib.SMTP(self.host, self.port, timeout=self.timeout) as smtp:
                if self.starttls:
                    smtp.starttls()
                if self.user:
                    smtp.login(self.user, self.password)
                smtp.send_message(self._email(message))
        except (OSError, smtplib.SMTPException) as exc:
            raise SendError(f"SMTP: {type(exc).__name__}") from exc


class ChannelSender:
    """E-mails to one sender, text messages to another (a gateway or a file)."""

    def __init__(self, email: Sender, sms: Sender):
        self.email, self.sms = email, sms

    def send(self, message: Outgoing) -> None:
        (self.sms if message.channel == "sms" else self.email).send(message)


class GatewaySender:
    """A :class:`SmsGateway` as a :class:`Sender`."""

    def __init__(self, gateway: SmsGateway):
        self.gateway = gateway

    def send(self, message: Outgoing) -> None:
        self.gateway.send_sms(message.recipient, message.body, f"outbox-{message.id}")


def sender_from(config: Mapping[str, Any], instance_path: str,
                gateway: Optional[SmsGateway] = None) -> Sender:
    """The sender the configuration asks for; raises ``ValueError`` for an unknown one."""
    kind = str(config.get("MAIL_SENDER") or "file")
    files = FileSender(Path(instance_path) / "outbox")
    email: Sender
    if kind == "file":
        email = files
    elif kind == "console":
        email = ConsoleSender()
    elif kind == "smtp":
        email = SmtpSender(str(config.get("SMTP_HOST") or "localhost"),
                           int(config.get("SMTP_PORT", 587)), str(config.get("SMTP_USER") or ""),
                           str(config.get("SMTP_PASSWORD") or ""),
                           str(config.get("SMTP_FROM") or ""),
                           bool(config.get("SMTP_STARTTLS", True)))
    else:
        raise ValueError(f"SURVEY_MAIL_SENDER must be file, console or smtp, not {kind!r}")
    return ChannelSender(email, GatewaySender(gateway) if gateway else files)
