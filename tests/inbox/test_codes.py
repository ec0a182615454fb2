"""Reference codes: short, deterministic, keyed by the secret, free of look-alikes."""
from __future__ import annotations

import uuid

from survey.services.inbox.codes import (ALPHABET, LENGTH, display_code, looks_valid,
                                         normalise_code, reference_code)

ID = uuid.UUID("6f1c1f0e-8f8f-4c4c-9c9c-000000000001")


def test_the_code_is_deterministic_short_and_readable():
    code = reference_code(ID, "secret")
    assert code == reference_code(str(ID), b"secret")
    assert len(code) == LENGTH and set(code) <= set(ALPHABET)
    assert not set("01ILO") & set(ALPHABET)


def test_the_code_depends_on_the_secret_and_the_id():
    assert reference_code(ID, "secret") != reference_code(ID, "other secret")
    codes = {reference_code(uuid.uuid4(), "secret") for _ in range(5000)}
    assert len(codes) == 5000  # ~49 bits: no two alike among thousands


def test_typed_codes_are_read_generously():
    code = reference_code(ID, "secret")
    shown = display_code(code)
    assert shown == f"{code[:5]}-{code[5:]}"
    assert normalise_code(f" {shown.lower()} ") == code and looks_valid(code)
    for bad in ("", "ABC", code[:-1] + "0", code + "2", "<script>"):
        assert not looks_valid(normalise_code(bad))
