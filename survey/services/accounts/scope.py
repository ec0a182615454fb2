"""Which units a user may see for a set of roles: the union of their grants' subtrees.

An admin grant covers every unit. The web layer (survey/admin/permissions.py) maps a
permission to its roles and asks :func:`unit_scope`; query functions filter with
:meth:`Scope.where`.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable

import sqlalchemy as sa
from sqlalchemy.orm import Session

from ...models import Role, Unit, User


@dataclass(frozen=True)
class Scope:
    """Every unit (``everything``), or exactly the units in ``unit_ids``."""

    everything: bool = False
    unit_ids: frozenset[int] = frozenset()

    def __contains__(self, unit_id: object) -> bool:
        return self.everything or unit_id in self.unit_ids

    def __bool__(self) -> bool:
        return self.everything or bool(self.unit_ids)

    def where(self, column: Any) -> sa.ColumnElement[bool]:
        """A filter for a query: ``select(Response).where(scope.where(Response.unit_id))``."""
        if self.everything:
            return sa.true()
        return column.in_(sorted(self.unit_ids))


NOTHING = Scope()


def subtree_ids(session: Session, root_ids: Iterable[int]) -> set[int]:
    """The units ``root_ids`` and every unit below them (one recursive query)."""
    roots = sorted(set(root_ids))
    if not roots:
        return set()
    tree = sa.select(Unit.id).where(Unit.id.in_(roots)).cte("tree", recursive=True)
    tree = tree.union(sa.select(Unit.id).join(tree, Unit.parent_id == tree.c.id))
    return set(session.scalars(sa.select(tree.c.id)))


def unit_scope(session: Session, user: User, roles: Iterable[Role]) -> Scope:
    """The units ``user`` reaches through grants of any of ``roles``."""
    wanted = set(roles)
    grants = [grant for grant in user.grants if grant.role in wanted]
    if any(grant.role is Role.admin for grant in grants):
        return Scope(everything=True)
    return Scope(unit_ids=frozenset(subtree_ids(session, (g.unit_id for g in grants))))

