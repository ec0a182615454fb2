"""Which figures may be shown, following the NCHS data presentation standards for
proportions (Parker et al. 2017, *Vital Health Stat* 2(175)), as issue 13 states them:

- **suppress** a figure whose effective sample size is under 30, or whose interval is
  30 points wide or more;
- **flag** a figure shown when its interval is wider than 130 % of the estimate, or its
  degrees of freedom are under 8 (too few primary sampling units to trust the variance);
- otherwise the figure is **reliable**.

The effective sample size is the sample size a simple random sample would need for the
same variance: ``p (1 − p) / SE²``, capped at the actual number of responses (as NCHS
does); a row with no standard error (a single PSU, or p at 0 or 1) uses the actual n.

Then **secondary suppression** in a tree of rows (a scope and its units, a unit and its
dimensions): a suppressed figure must not be recoverable from what is shown beside it.

- Parent → child: every child of a suppressed row is suppressed too (the children
  together would give the parent back).
- Siblings: when exactly one child of a shown parent is suppressed, the smallest other
  sibling (fewest responses) is suppressed as well, so that the first cannot be derived
  from the parent and the rest. A parent with a single child that holds all its responses
  and is suppressed is suppressed too.

Every writer (the dashboard, the reports, the API) asks here, so that a figure hidden in
one is hidden in all.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from enum import StrEnum
from typing import Hashable, Iterable, Mapping, Optional, Sequence

#: The NCHS thresholds (shares, not percentage points).
MIN_EFFECTIVE_N = 30
MAX_WIDTH = 0.30
MAX_RELATIVE_WIDTH = 1.30
MIN_DF = 8


class Reliability(StrEnum):
    """What a figure shows: its value, its value with a mark, or nothing."""

    RELIABLE = "reliable"
    FLAGGED = "flagged"
    SUPPRESSED = "suppressed"


class Reason(StrEnum):
    """Why a figure is flagged or suppressed (stable codes for machines)."""

    NO_DATA = "no_data"                  #: nothing to estimate
    SMALL_EFFECTIVE_N = "small_n_eff"    #: effective sample size under 30
    WIDE_INTERVAL = "wide_interval"      #: interval 30 points wide or more
    RELATIVE_WIDTH = "relative_width"    #: interval wider than 130 % of the estimate
    FEW_DF = "few_df"                    #: under 8 degrees of freedom
    PARENT = "parent"                    #: secondary: its parent is suppressed
    COMPLEMENT = "complement"            #: secondary: protects a suppressed sibling
    SOLE_CHILD = "sole_child"            #: secondary: its only child is suppressed


@dataclass(frozen=True)
class Assessment:
    """A figure's status and the reasons for it (empty when reliable)."""

    status: Reliability
    reasons: tuple[Reason, ...] = ()
    #: The effective sample size the rule used (None: no data).
    n_eff: Optional[float] = None

    @property
    def shown(self) -> bool:
        return self.status is not Reliability.SUPPRESSED

    def suppressed_for(self, reason: Reason) -> "Assessment":
        """This figure suppressed for a secondary reason (first reasons kept)."""
        if self.status is Reliability.SUPPRESSED:
            return self
        return Assessment(Reliability.SUPPRESSED, self.reasons + (reason,), self.n_eff)


def effective_n(n: int, estimate: float, se: Optional[float]) -> float:
    """``p (1 − p) / SE²`` capped at ``n``; ``n`` when there is no usable SE."""
    if se is None or not math.isfinite(se) or se <= 0:
        return float(n)
    return min(float(n), estimate * (1.0 - estimate) / (se * se))


def assess(n: int, estimate: Optional[float], se: Optional[float], low: Optional[float],
           high: Optional[float], df: Optional[int]) -> Assessment:
    """The primary rule for one figure: a share ``estimate`` in [0, 1] from ``n``
    responses, with its standard error, its interval ``low``–``high`` and the degrees of
    freedom of its variance (``None``: not a design-based variance, no df rule)."""
    if (n <= 0 or estimate is None or not math.isfinite(estimate) or low is None
            or high is None or not math.isfinite(low) or not math.isfinite(high)):
        return Assessment(Reliability.SUPPRESSED, (Reason.NO_DATA,))
    n_eff = effective_n(n, estimate, se)
    width = high - low
    suppress: list[Reason] = []
    if n_eff < MIN_EFFECTIVE_N:
        suppress.append(Reason.SMALL_EFFECTIVE_N)
    if width >= MAX_WIDTH - 1e-12:
        suppress.append(Reason.WIDE_INTERVAL)
    if suppress:
        return Assessment(Reliability.SUPPRESSED, tuple(suppress), n_eff)
    flags: list[Reason] = []
    if estimate <= 0 or width > MAX_RELATIVE_WIDTH * estimate:
        flags.append(Reason.RELATIVE_WIDTH)
    if df is not None and df < MIN_DF:
        flags.append(Reason.FEW_DF)
    if flags:
        return Assessment(Reliability.FLAGGED, tuple(flags), n_eff)
    return Assessment(Reliability.RELIABLE, (), n_eff)


def assess_row(row) -> Assessment:
    """:func:`assess` for an :class:`~.index.IndexRow` (or anything with ``n``,
    ``estimate``, ``se``, ``low``, ``high`` and ``df``)."""
    return assess(row.n, row.estimate, row.se, row.low, row.high, row.df)


@dataclass(frozen=True)
class Node:
    """A row of a tree for :func:`protect`: its key, its parent's key (``None`` for the
    root), the responses behind it and its primary assessment."""

    key: Hashable
    parent: Optional[Hashable]
    n: int
    assessment: Assessment


def protect(nodes: Sequence[Node]) -> dict[Hashable, Assessment]:
    """Secondary suppression over a tree of rows (see the module's docstring). Returns
    every node's final assessment by key. Nodes may come in any order; nodes whose
    parent is not a node are siblings of each other (protected against each other, with
    no parent to protect). The rules are applied until nothing changes: each only ever
    hides, so this ends."""
    result = {node.key: node.assessment for node in nodes}
    by_key = {node.key: node for node in nodes}
    children: dict[Optional[Hashable], list[Node]] = {}
    for node in nodes:
        children.setdefault(node.parent if node.parent in by_key else None, []).append(node)
    changed = True
    while changed:
        changed = False

        def hide(key: Hashable, reason: Reason) -> None:
            nonlocal changed
            if result[key].shown:
                result[key] = result[key].suppressed_for(reason)
                changed = True

        for parent, kids in children.items():
            if parent is not None and not result[parent].shown:
                for kid in kids:
                    hide(kid.key, Reason.PARENT)
                continue
            hidden = [kid for kid in kids if not result[kid.key].shown]
            if len(hidden) != 1 or (parent is None and len(kids) < 2):
                continue
            rest = [kid for kid in kids if result[kid.key].shown and kid.n > 0]
            if rest:
                hide(min(rest, key=lambda kid: (kid.n, str(kid.key))).key, Reason.COMPLEMENT)
            elif parent is not None and hidden[0].n >= by_key[parent].n:
                hide(parent, Reason.SOLE_CHILD)
    return result


def protect_flat(rows: Mapping[Hashable, tuple[int, Assessment]],
                 total: Optional[Assessment] = None) -> dict[Hashable, Assessment]:
    """:func:`protect` for one level under a total (``total``: the total's assessment,
    ``None`` if there is no total shown). Convenience for tables of siblings."""
    root = object()
    nodes = [Node(root, None, sum(n for n, _ in rows.values()),
                  total or Assessment(Reliability.RELIABLE))]
    nodes += [Node(key, root, n, a) for key, (n, a) in rows.items()]
    result = protect(nodes)
    return {key: result[key] for key in rows}


def marks(assessments: Iterable[Assessment]) -> set[Reason]:
    """Every reason used in a table, for its notes."""
    return {reason for a in assessments for reason in a.reasons}
