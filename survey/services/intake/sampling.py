"""Which items one claimant is asked (planned missingness, or "matrix sampling").

A version with ``"matrix_sampling": true`` asks every claimant the overall question,
the facts, and one rated item per dimension, drawn at random with equal chances from
that dimension's items. Every item is still measured, on a random subset of claimants:
the unasked items are missing completely at random, by design, which the index's ratio
estimators handle without bias (docs/methodology.md §5a). A version without the setting
asks everything.

The phone form draws from its submission id, so the same page shows the same items
however often it is rendered or posted again; the kiosk draws with its own random
generator and the server checks only that no dimension got more than one item.
"""
from __future__ import annotations

import random
from typing import Any, Mapping, Optional, Sequence

from ...models.questionnaires import RATING
from ..catalogue.snapshot import QuestionnaireLike


def asked_items(questionnaire: QuestionnaireLike, seed: str) -> list[Any]:
    """The items a claimant is asked, in questionnaire order (``seed``: the submission
    id; the same seed always gives the same items)."""
    if not questionnaire.matrix_sampling:
        return list(questionnaire.items)
    rng = random.Random(f"{questionnaire.version}:{seed}")
    chosen = {rng.choice(codes) for codes in questionnaire.dimension_map().values()}
    return [item for item in questionnaire.items
            if item.kind != RATING or item.dimension is None or item.code in chosen]


def for_service(items: Sequence[Any], service: Optional[str]) -> list[Any]:
    """The items asked of a claimant of ``service`` (a code; ``None``: not known yet, so
    every item): an item that names services (the coverage items) is asked only of
    claimants of one of them."""
    return [item for item in items
            if service is None or not item.services or service in item.services]


def not_asked(items: Sequence[Any], answers: Mapping[str, Optional[int]],
              service: Optional[str]) -> list[str]:
    """Codes of the answers to items that are not asked of a claimant of ``service``
    (``None``: no service given, so no item that names services is asked)."""
    restricted = {item.code: item.services for item in items if item.services}
    return [code for code in answers
            if code in restricted and (service is None or service not in restricted[code])]


def too_many_per_dimension(questionnaire: QuestionnaireLike,
                           answers: Mapping[str, Optional[int]]) -> list[str]:
    """Item codes answered beyond one per dimension in a matrix-sampled version."""
    if not questionnaire.matrix_sampling:
        return []
    extra: list[str] = []
    for codes in questionnaire.dimension_map().values():
        given = [code for code in codes if code in answers]
        extra += given[1:]
    return extra
