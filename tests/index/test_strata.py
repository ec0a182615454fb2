"""The stratum rule on a hand-made tree (no database)."""
from __future__ import annotations

import pytest

from survey.services.reporting.served import IMPORTED, RECEIPTS, Served, served_by_unit
from survey.services.reporting.strata import ServedCountError, UnitNode, UnitTree, plan_strata

#   1 P ── 2 C ── 4 C-Q1
#       │     └── 5 C-Q2 ── 7 C-Q2-K
#       └── 3 D ── 6 D-Q1
PARENTS = {1: None, 2: 1, 3: 1, 4: 2, 5: 2, 6: 3, 7: 5}


@pytest.fixture
def tree():
    nodes = {i: UnitNode(i, f"U{i}", p, f"Đơn vị {i}", f"Unit {i}", True)
             for i, p in PARENTS.items()}
    children: dict[int, list[int]] = {}
    for i, p in PARENTS.items():
        if p is not None:
            children.setdefault(p, []).append(i)
    return UnitTree(nodes, children)


def imported(**counts):
    return {int(k[1:]): Served(v, IMPORTED) for k, v in counts.items()}


def test_nearest_counted_unit_and_remainders(tree):
    counted = imported(u2=300, u4=100, u7=20)
    responses = {4: 30, 5: 10, 7: 5, 2: 3}
    plan = plan_strata(tree, 2, tree.subtree(2), responses, counted)
    assert plan.stratum_of == {2: 2, 4: 4, 5: 2, 7: 7}
    assert plan.population == {2: 180, 4: 100, 7: 20}  # 300 − 100 − 20
    assert plan.served == 300 and plan.missing == ()


def test_a_row_never_looks_above_its_root(tree):
    plan = plan_strata(tree, 5, tree.subtree(5), {5: 4, 7: 2}, imported(u2=300, u7=20))
    # Unit 5's own responses: a stratum of their own, without a count (u2 is above).
    assert plan.stratum_of == {5: 5, 7: 7} and plan.population == {7: 20}
    assert plan.missing == (5,) and plan.imported == {7} and plan.served is None


def test_served_of_uncounted_root_is_the_sum_below(tree):
    plan = plan_strata(tree, 1, tree.subtree(1), {4: 3, 6: 2}, imported(u2=50, u3=40))
    assert plan.population == {2: 50, 3: 40} and plan.served == 90


def test_own_responses_use_the_remainder(tree):
    plan = plan_strata(tree, 2, [2], {2: 3, 4: 9}, imported(u2=300, u4=100), own_only=True)
    assert plan.stratum_of == {2: 2} and plan.population == {2: 200} and plan.served == 200


def test_too_small_counts(tree):
    with pytest.raises(ServedCountError):
        plan_strata(tree, 2, tree.subtree(2), {5: 201}, imported(u2=300, u4=100))
    # Three receipt codes for four responses: the codes are set aside, not an error.
    receipts = {2: Served(3, RECEIPTS), 7: Served(9, RECEIPTS)}
    plan = plan_strata(tree, 2, tree.subtree(2), {5: 4, 7: 2}, receipts)
    assert plan.stratum_of == {5: 5, 7: 7} and plan.population == {7: 9}
    assert plan.imported == frozenset() and plan.missing == (5,)


def test_receipt_codes_only_where_nothing_was_imported(tree):
    subtrees = {i: tree.subtree(i) for i in PARENTS}
    issued = {(4, None): 10, (6, None): 7, (6, 9): 7}
    # By default receipt codes are no served count at all.
    assert served_by_unit({(4, None): 100}, issued, None, subtrees) == {
        4: Served(100, IMPORTED)}
    everywhere = set(PARENTS)
    result = served_by_unit({(4, None): 100}, issued, None, subtrees, everywhere)
    assert result[4] == Served(100, IMPORTED)
    assert 2 not in result and 1 not in result  # an import lies below them
    assert result[3] == Served(7, RECEIPTS) and result[6] == Served(7, RECEIPTS)
    assert served_by_unit({}, issued, 9, subtrees, everywhere)[1] == Served(7, RECEIPTS)
    # Only the configured units (here unit 3's subtree) use them.
    only_3 = served_by_unit({}, issued, None, subtrees, {3, 6})
    assert only_3 == {3: Served(7, RECEIPTS), 6: Served(7, RECEIPTS)}
