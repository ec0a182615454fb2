"""What a claimant is told before leaving contact details, one wording per purpose, and
the version and fingerprint of that wording stored with the contact.

Consent is asked for one purpose at a time (today only ``reply``: an answer to this
feedback), never pre-ticked, and informed: what is kept, what for, who keeps it, how
long, and the claimant's rights. A change of wording gets a new :data:`VERSION`; the
contact keeps the version it was given under and the SHA-256 of the exact text shown
(in the claimant's language), so what a person agreed to can always be shown again.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from flask_babel import force_locale
from flask_babel import lazy_gettext as _l

#: The wording's version; change it whenever the text below changes meaning.
VERSION = "2026-12-03"
REPLY = "reply"


@dataclass(frozen=True)
class Wording:
    """The tick box's label and the points said before it, for one purpose."""

    purpose: str
    version: str
    agree: Any
    #: (heading, text) pairs; the text may use ``%(days)s`` (retention after closing).
    points: tuple[tuple[Any, Any], ...]

    def shown(self, days: int) -> list[tuple[str, str]]:
        """The points as the page shows them, in the current language."""
        return [(str(head), str(text) % {"days": days}) for head, text in self.points]


WORDINGS: dict[str, Wording] = {
    REPLY: Wording(
        REPLY, VERSION,
        _l("I agree that the centre may use the contact details below to reply to this "
           "feedback."),
        (
            (_l("What is kept:"),
             _l("your name if you give it, and the phone number or email you write below.")),
            (_l("What for:"),
             _l("only to reply to this feedback; never for anything else and never passed "
                "on.")),
            (_l("Who keeps it:"),
             _l("the employment service centre you rated, apart from your answers; only the "
                "staff who reply can see it, and each view is recorded.")),
            (_l("How long:"),
             _l("deleted %(days)s days after your feedback is closed, or sooner if you ask.")),
            (_l("Your rights:"),
             _l("you may leave this empty, ask to see or delete these details, or withdraw "
                "this consent at any time, with the reference code shown after you send "
                "(page /y-kien) or at the counter.")),
        )),
}


def wording_text(purpose: str, locale: str, days: int) -> str:
    """The whole wording of ``purpose`` as shown in ``locale``: version, points, label."""
    wording = WORDINGS[purpose]
    with force_locale(locale):
        lines = [f"{wording.purpose} {wording.version}"]
        lines += [f"{head} {text}" for head, text in wording.shown(days)]
        lines.append(str(wording.agree))
    return "\n".join(lines)


_FINGERPRINTS: dict[tuple[str, str, str, int], str] = {}


def fingerprint(purpose: str, locale: str, days: int) -> str:
    """SHA-256 (hex) of :func:`wording_text`, computed once per language and setting."""
    key = (purpose, WORDINGS[purpose].version, locale, days)
    if key not in _FINGERPRINTS:
        _FINGERPRINTS[key] = hashlib.sha256(
            wording_text(purpose, locale, days).encode()).hexdigest()
    return _FINGERPRINTS[key]
