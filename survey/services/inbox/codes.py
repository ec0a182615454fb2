"""Reference codes a claimant can quote: short, derived from the response id, and
unguessable without the app's secret key.

The thank-you page computes the code from the response id it just stored (no write);
opening the case stores the same code so that the status page can find it. Codes
are 10 characters from an alphabet without look-alikes (no 0/O, 1/I/L), shown as two
groups of five; about 49 bits, so that even a million cases rarely share one.
"""
from __future__ import annotations

import hashlib
import hmac
import re
import uuid
from typing import Union

#: Digits and capitals that cannot be mistaken for one another when read aloud or typed.
ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
LENGTH = 10
_CLEAN = re.compile(r"[\s\-.]")


def reference_code(response_id: Union[uuid.UUID, str], secret: Union[bytes, str]) -> str:
    """The response's reference code: :data:`LENGTH` characters of :data:`ALPHABET`
    from an HMAC-SHA256 of its id under ``secret``. Deterministic."""
    key = secret if isinstance(secret, bytes) else secret.encode()
    ident = response_id if isinstance(response_id, uuid.UUID) else uuid.UUID(str(response_id))
    number = int.from_bytes(hmac.new(key, ident.bytes, hashlib.sha256).digest()[:8], "big")
    chars = []
    for _position in range(LENGTH):
        number, digit = divmod(number, len(ALPHABET))
        chars.append(ALPHABET[digit])
    return "".join(chars)


def display_code(code: str) -> str:
    """``ABCDE-FGHJK``: the code as printed for people."""
    return f"{code[:5]}-{code[5:]}" if len(code) == LENGTH else code


def normalise_code(text: str) -> str:
    """What someone typed, as stored: spaces, dashes and dots removed, in capitals, at
    most 40 characters. Returns the cleaned text, valid or not (:func:`looks_valid`)."""
    return _CLEAN.sub("", text or "").upper()[:40]


def looks_valid(code: str) -> bool:
    """Whether ``code`` (normalised) could be a reference code at all."""
    return len(code) == LENGTH and all(ch in ALPHABET for ch in code)
