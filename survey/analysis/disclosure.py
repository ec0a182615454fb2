"""Small-number suppression for published tables (reference §8, NHS FFT style)."""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from dataclasses import dataclass

from ._validation import check_count

PRIMARY, SECONDARY = "primary", "secondary"


@dataclass(frozen=True)
class Suppression:
    """Which cells of a table to hide, and why.

    Attributes:
        table: same shape as the input with suppressed counts replaced by None.
        reasons: (group, key) → ``"primary"`` (count below min_count) or
            ``"secondary"`` (hidden so a primary cell cannot be derived from the
            group total).
        suppressed_totals: groups whose total must also be hidden because the
            group has a single cell, so the total would reveal it.
    """

    table: dict[Hashable, dict[Hashable, int | None]]
    reasons: dict[tuple[Hashable, Hashable], str]
    suppressed_totals: tuple[Hashable, ...]

    def is_suppressed(self, group: Hashable, key: Hashable) -> bool:
        """True if cell (group, key) must not be published."""
        return (group, key) in self.reasons


def suppress(
    table: Mapping[Hashable, Mapping[Hashable, int]],
    min_count: int = 5,
    totals_shown: bool = True,
    suppress_zeros: bool = True,
) -> Suppression:
    """Primary and secondary suppression of a table of counts.

    ``table`` maps each group (a published row, e.g. a unit) to its cells
    (key → count, e.g. answer category → responses); the group total is the sum
    of its cells and is assumed published when ``totals_shown``.

    Rules, applied to each group independently:
      1. primary: every cell with count < ``min_count`` (zeros too unless
         ``suppress_zeros=False``; a zero identifies nobody but can disclose
         "all of them answered X");
      2. secondary (only if totals are shown): when exactly one cell of the group
         is suppressed, also suppress the smallest remaining cell (ties: first
         in the group's order) so the first cannot be derived as total − rest;
         a group with a single cell instead gets its total suppressed.

    Column totals across groups are not protected (publish them only for
    groups, not for categories). Raises :class:`AnalysisError` on negative or
    non-integer counts.
    """
    min_count = check_count(min_count, "min_count")
    masked: dict[Hashable, dict[Hashable, int | None]] = {}
    reasons: dict[tuple[Hashable, Hashable], str] = {}
    hidden_totals: list[Hashable] = []
    for group, cells in table.items():
        counts = {
            key: check_count(value, f"count of ({group!r}, {key!r})")
            for key, value in cells.items()
        }
        primary = [k for k, c in counts.items() if c < min_count and (suppress_zeros or c > 0)]
        reasons.update({(group, k): PRIMARY for k in primary})
        if totals_shown and len(primary) == 1:
            rest = [k for k in counts if k not in primary]
            if rest:
                smallest = min(rest, key=lambda k: counts[k])  # min keeps the first of ties
                reasons[(group, smallest)] = SECONDARY
            else:
                hidden_totals.append(group)
        masked[group] = {k: (None if (group, k) in reasons else c) for k, c in counts.items()}
    return Suppression(masked, reasons, tuple(hidden_totals))
