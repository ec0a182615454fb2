"""Password hashing (argon2id) and the password policy.

Policy: at least :data:`MIN_LENGTH` characters, at most :data:`MAX_LENGTH`; not a common
password, not a common word with digits or symbols around it (``matkhau2026!``), not
digits alone (a phone number or a date), and not the user's e-mail address or its name
part. The list of common passwords
(``survey/admin/common_passwords.txt``, made by ``tools/common_passwords.py``) is read
on first use, not when the app starts.
"""
from __future__ import annotations

import re
import secrets
from functools import lru_cache
from importlib import resources
from typing import Any, Optional

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask_babel import lazy_gettext as _l

MIN_LENGTH = 10
#: Longer input is refused before hashing: nobody types more, and it bounds the work.
MAX_LENGTH = 256
#: argon2id with the parameters of RFC 9106's second recommendation (64 MiB, 3 passes,
#: 4 lanes): about 0.15 s per hash here. Tests swap in a cheaper one (``use_hasher``).
_hasher = PasswordHasher()
#: Digits, spaces and symbols around a word: "Matkhau@2026" is "matkhau".
_DECORATION = re.compile(r"^[\W\d_]+|[\W\d_]+$")


def use_hasher(hasher: PasswordHasher) -> PasswordHasher:
    """Replace the hasher (tests use a cheap one); returns the previous one."""
    global _hasher
    previous, _hasher = _hasher, hasher
    _dummy_hash.cache_clear()
    return previous


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(stored: Optional[str], password: str) -> bool:
    """Whether ``password`` matches ``stored``. Without a stored hash (unknown user, no
    password yet) a dummy hash is checked all the same, so that the answer takes as
    long and says nothing about whether the account exists."""
    try:
        return _hasher.verify(stored or _dummy_hash(), password) and stored is not None
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(stored: str) -> bool:
    """True when ``stored`` was made with weaker parameters than the current ones."""
    try:
        return _hasher.check_needs_rehash(stored)
    except InvalidHashError:
        return True


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    return _hasher.hash(secrets.token_urlsafe(16))


@lru_cache(maxsize=1)
def common_passwords() -> frozenset[str]:
    """The shipped list, lower case; read once, on first use."""
    text = resources.files("survey").joinpath("admin", "common_passwords.txt").read_text("utf-8")
    return frozenset(line.strip().lower() for line in text.splitlines()
                     if line.strip() and not line.startswith("#"))


def password_problems(password: str, email: Optional[str] = None) -> list[Any]:
    """What is wrong with ``password`` (lazy messages, in the order to show); [] if none."""
    if len(password) < MIN_LENGTH:
        return [_l("Use at least %(n)s characters.", n=MIN_LENGTH)]
    if len(password) > MAX_LENGTH:
        return [_l("Use at most %(n)s characters.", n=MAX_LENGTH)]
    lowered = password.lower()
    core = _DECORATION.sub("", lowered)
    common = common_passwords()
    if not core or lowered in common or core in common or len(set(lowered)) < 4:
        return [_l("This password is too common and easy to guess. Choose a longer phrase "
                   "of several words.")]
    if email:
        address = email.lower()
        name = address.split("@", 1)[0]
        if address in lowered or (len(name) >= 4 and name in lowered):
            return [_l("The password must not contain your e-mail address.")]
    return []


def random_password() -> str:
    """A strong password (for the demo admin): 20 URL-safe characters."""
    return secrets.token_urlsafe(15)
