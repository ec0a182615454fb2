"""Secondary suppression across every sheet of a report.

Each figure of the report has a key (``("index", unit)``, ``("dim", unit, code)`` …) and
a primary assessment (:func:`survey.services.reporting.reliability.assess`). A figure
takes part in several trees: a unit's dimension under the unit's index (the index is the
mean of its dimensions), and the same dimension of the units below it. The rules of
:func:`~survey.services.reporting.reliability.protect` are applied to every tree in turn
until nothing changes, so that nothing hidden in one sheet can be recovered through
another. Each pass only ever hides, so this ends.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Hashable, Optional

from ..reporting.reliability import Assessment, Node, protect

Key = Hashable


@dataclass
class Protection:
    """Figures and the trees they sit in; :meth:`run` gives the final assessments."""

    figures: dict[Key, tuple[int, Assessment]] = field(default_factory=dict)
    trees: list[list[tuple[Key, Optional[Key]]]] = field(default_factory=list)

    def add(self, key: Key, n: int, assessment: Assessment) -> None:
        self.figures[key] = (n, assessment)

    def tree(self, edges: list[tuple[Key, Optional[Key]]]) -> None:
        """A tree as (key, parent key) pairs; keys that are no figure are left out."""
        kept = [(k, p if p in self.figures else None) for k, p in edges if k in self.figures]
        if len(kept) > 1:
            self.trees.append(kept)

    def run(self) -> dict[Key, Assessment]:
        current = {key: a for key, (_n, a) in self.figures.items()}
        changed = True
        while changed:
            changed = False
            for edges in self.trees:
                nodes = [Node(k, p, self.figures[k][0], current[k]) for k, p in edges]
                for key, result in protect(nodes).items():
                    if result.status is not current[key].status:
                        current[key] = result
                        changed = True
        return current
