"""The unit tree and the strata of the satisfaction index.

Rule (docs/methodology.md, "Strata and weights"): a response belongs to the stratum of
the nearest unit, going up from the unit it was given at (a counter, a branch …) but
not above the unit being reported, that has a served count for the period. The
stratum's population N_h is that unit's count minus the counts of the nearest
counted units below it, which form strata of their own. A response with no counted
unit on its way up is in a stratum of its own unit, without a count: the index gives
it the average weight of the counted strata (:mod:`.index`).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterable, Mapping, Optional

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from ...models import Unit
from ..errors import ServiceError
from .served import IMPORTED, Served


class ServedCountError(ServiceError):
    """An imported served count is smaller than the responses it should cover."""


@dataclass(frozen=True)
class UnitNode:
    id: int
    code: str
    parent_id: Optional[int]
    name_vi: str
    name_en: str
    active: bool

    def name(self, locale: str) -> str:
        return self.name_en if locale == "en" and self.name_en else self.name_vi


@dataclass
class UnitTree:
    """All units (a few hundred rows), loaded once per request."""

    nodes: dict[int, UnitNode]
    children: dict[int, list[int]] = field(default_factory=dict)

    @classmethod
    def load(cls, session: Session) -> "UnitTree":
        rows = session.execute(sa.select(Unit.id, Unit.code, Unit.parent_id, Unit.name_vi,
                                         Unit.name_en, Unit.active).order_by(Unit.code))
        nodes = {row.id: UnitNode(*row) for row in rows}
        children: dict[int, list[int]] = {}
        for node in nodes.values():
            if node.parent_id is not None:
                children.setdefault(node.parent_id, []).append(node.id)
        return cls(nodes, children)

    def by_code(self, code: str) -> Optional[UnitNode]:
        wanted = code.strip().upper()
        return next((n for n in self.nodes.values() if n.code == wanted), None)

    def subtree(self, root: int) -> list[int]:
        """``root`` and every unit below it."""
        found, stack = [], [root]
        while stack:
            unit_id = stack.pop()
            found.append(unit_id)
            stack.extend(self.children.get(unit_id, ()))
        return found

    def top_counted_below(self, root: int, counted: Mapping[int, Served]) -> list[int]:
        """Counted units below ``root`` with no counted unit between them and ``root``."""
        found, stack = [], list(self.children.get(root, ()))
        while stack:
            unit_id = stack.pop()
            if unit_id in counted:
                found.append(unit_id)
            else:
                stack.extend(self.children.get(unit_id, ()))
        return found


@dataclass(frozen=True)
class StrataPlan:
    """How a report row's units fall into strata.

    ``stratum_of`` maps each unit with responses to its stratum: the nearest counted
    unit, or the unit itself when none is counted (``missing``). ``population`` maps
    each counted stratum to N_h (empty: nothing counted, the row is unweighted);
    ``imported`` names the counted strata whose N_h was imported (receipt codes never
    give a finite population correction); ``served`` is the row's served count when
    known (for the response rate).
    """

    stratum_of: dict[int, int]
    population: dict[int, int]
    imported: frozenset[int]
    served: Optional[int]
    missing: tuple[int, ...] = ()

    @property
    def weighted(self) -> bool:
        return bool(self.population)


def plan_strata(tree: UnitTree, root: int, members: Iterable[int],
                responses: Mapping[int, int], counted: Mapping[int, Served],
                own_only: bool = False) -> StrataPlan:
    """Strata for the row made of ``members`` (the subtree of ``root``, or ``root``
    alone when ``own_only``), given responses per unit and served counts per unit.

    Raises :class:`ServedCountError` when an imported count is smaller than the
    responses of its stratum; a receipt-code count that small is set aside instead
    (its units become strata of their own, without a count).
    """
    members = list(members)
    counted = dict(counted)
    while True:
        stratum_of: dict[int, int] = {}
        uncovered: list[int] = []
        for unit_id in members:
            if not responses.get(unit_id):
                continue
            stratum = _nearest_counted(tree, unit_id, root, counted)
            if stratum is None:
                uncovered.append(unit_id)
                stratum = unit_id
            stratum_of[unit_id] = stratum
        short = _short_receipt_count(tree, stratum_of, uncovered, responses, counted)
        if short is None:
            break
        del counted[short]
    population = {h: remainder(tree, h, counted)
                  for h in set(stratum_of.values()) if h in counted}
    imported = frozenset(h for h in population if counted[h].source == IMPORTED)
    served = _row_served(tree, root, own_only, counted, uncovered)
    return StrataPlan(stratum_of, population, imported, served, tuple(uncovered))


def _nearest_counted(tree: UnitTree, unit_id: int, root: int,
                     counted: Mapping[int, Served]) -> Optional[int]:
    current: Optional[int] = unit_id
    while current is not None:
        if current in counted:
            return current
        if current == root:
            return None
        current = tree.nodes[current].parent_id
    return None


def remainder(tree: UnitTree, unit_id: int, counted: Mapping[int, Served]) -> int:
    """The unit's count less those of the nearest counted units below it."""
    below = sum(counted[b].count for b in tree.top_counted_below(unit_id, counted))
    return counted[unit_id].count - below


def _short_receipt_count(tree: UnitTree, stratum_of: Mapping[int, int],
                         uncovered: list[int], responses: Mapping[int, int],
                         counted: Mapping[int, Served]) -> Optional[int]:
    """A counted stratum whose receipt-code count is below its responses, if any.

    Raises :class:`ServedCountError` for an imported count below its responses."""
    sizes: dict[int, int] = {}
    for unit_id, stratum in stratum_of.items():
        if unit_id not in uncovered:
            sizes[stratum] = sizes.get(stratum, 0) + responses[unit_id]
    for stratum, n in sizes.items():
        big_n = remainder(tree, stratum, counted)
        if big_n < n:
            if counted[stratum].source == IMPORTED:
                node = tree.nodes[stratum]
                raise ServedCountError(_l(
                    "Served count for %(unit)s is %(served)s but it has %(n)s valid "
                    "responses in the period; correct the served counts.",
                    unit=node.code, served=big_n, n=n))
            return stratum  # receipt codes undercount claimants here
    return None


def _row_served(tree: UnitTree, root: int, own_only: bool, counted: Mapping[int, Served],
                uncovered: list[int]) -> Optional[int]:
    if own_only:
        return remainder(tree, root, counted) if root in counted else None
    if root in counted:
        return counted[root].count
    if uncovered:
        return None
    below = tree.top_counted_below(root, counted)
    return sum(counted[b].count for b in below) if below else None
