"""The NCHS presentation rules and secondary suppression (survey/services/reporting/reliability.py)."""
from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from survey.services.reporting.reliability import (Assessment, Node, Reason, Reliability,
                                                   assess, effective_n, protect,
                                                   protect_flat)

R, F, S = Reliability.RELIABLE, Reliability.FLAGGED, Reliability.SUPPRESSED


def test_effective_n_is_the_srs_size_for_the_same_variance_capped_at_n():
    assert effective_n(400, 0.85, math.sqrt(0.85 * 0.15 / 100)) == pytest.approx(100)
    assert effective_n(50, 0.85, 0.001) == 50  # a tiny SE cannot make n_eff exceed n
    assert effective_n(12, 1.0, 0.0) == 12     # no usable SE: the actual n


@pytest.mark.parametrize("n, p, se, low, high, df, status, reasons", [
    # n_eff = 0.25 / 0.01 = 25 < 30
    (200, 0.5, 0.1, 0.35, 0.64, 40, S, (Reason.SMALL_EFFECTIVE_N,)),
    # 29 responses, no SE (one PSU): n_eff = n = 29
    (29, 0.9, None, 0.76, 0.98, None, S, (Reason.SMALL_EFFECTIVE_N,)),
    (30, 0.9, None, 0.76, 0.98, None, R, ()),
    # an interval exactly 30 points wide is suppressed
    (500, 0.6, 0.02, 0.45, 0.75, 40, S, (Reason.WIDE_INTERVAL,)),
    (500, 0.6, 0.02, 0.46, 0.75, 40, R, ()),
    # both primary reasons
    (40, 0.5, 0.2, 0.2, 0.8, 3, S, (Reason.SMALL_EFFECTIVE_N, Reason.WIDE_INTERVAL)),
    # width 0.14 > 1.3 × 0.10: flagged, shown
    (1000, 0.10, 0.01, 0.02, 0.16, 40, F, (Reason.RELATIVE_WIDTH,)),
    (1000, 0.10, 0.01, 0.04, 0.16, 40, R, ()),
    # 7 degrees of freedom: flagged
    (300, 0.86, 0.02, 0.81, 0.90, 7, F, (Reason.FEW_DF,)),
    (300, 0.86, 0.02, 0.81, 0.90, 8, R, ()),
    # nothing to estimate
    (0, float("nan"), None, None, None, None, S, (Reason.NO_DATA,)),
])
def test_primary_rules(n, p, se, low, high, df, status, reasons):
    found = assess(n, p, se, low, high, df)
    assert (found.status, found.reasons) == (status, reasons)
    assert found.shown is (status is not S)


def _ok() -> Assessment:
    return Assessment(R)


def _hidden() -> Assessment:
    return Assessment(S, (Reason.SMALL_EFFECTIVE_N,))


def test_one_hidden_sibling_takes_the_smallest_other_with_it():
    found = protect_flat({"A": (20, _hidden()), "B": (300, _ok()), "C": (90, _ok()),
                          "D": (120, _ok())})
    assert [k for k, a in found.items() if not a.shown] == ["A", "C"]
    assert found["C"].reasons == (Reason.COMPLEMENT,)
    assert found["B"].shown and found["D"].shown


def test_two_hidden_siblings_need_nothing_more():
    found = protect_flat({"A": (20, _hidden()), "B": (25, _hidden()), "C": (90, _ok())})
    assert [k for k, a in found.items() if not a.shown] == ["A", "B"]


def test_children_of_a_hidden_parent_are_hidden():
    nodes = [Node("NA", None, 500, _ok()), Node("X", "NA", 25, _hidden()),
             Node("Y", "NA", 475, _ok()), Node("Y1", "Y", 200, _ok()),
             Node("Y2", "Y", 275, _ok())]
    found = protect(nodes)
    # X hidden → Y hidden as its complement → Y's children hidden with it
    assert {k for k, a in found.items() if not a.shown} == {"X", "Y", "Y1", "Y2"}
    assert found["Y1"].reasons == (Reason.PARENT,)
    assert found["NA"].shown


def test_a_sole_child_holding_every_response_hides_its_parent():
    nodes = [Node("NA", None, 40, _ok()), Node("X", "NA", 40, _hidden())]
    found = protect(nodes)
    assert not found["NA"].shown and found["NA"].reasons == (Reason.SOLE_CHILD,)
    nodes = [Node("NA", None, 60, _ok()), Node("X", "NA", 20, _hidden())]
    assert protect(nodes)["NA"].shown  # the parent has responses of its own


@st.composite
def trees(draw):
    size = draw(st.integers(1, 14))
    nodes = []
    for i in range(size):
        parent = None if i == 0 else draw(st.integers(0, i - 1))
        n = draw(st.integers(0, 400))
        hidden = draw(st.booleans())
        nodes.append(Node(i, parent, n, _hidden() if hidden else _ok()))
    # a parent holds at least its children's responses
    for node in reversed(nodes):
        kids = sum(k.n for k in nodes if k.parent == node.key)
        if kids > node.n:
            nodes[node.key] = Node(node.key, node.parent, kids, node.assessment)
    return nodes


@settings(max_examples=300, deadline=None)
@given(trees())
def test_no_hidden_figure_can_be_derived_from_what_is_shown(nodes):
    found = protect(nodes)
    for node in nodes:
        if not node.assessment.shown:
            assert not found[node.key].shown  # primary suppression is never undone
    for parent in nodes:
        kids = [k for k in nodes if k.parent == parent.key]
        if not found[parent.key].shown:
            assert all(not found[k.key].shown for k in kids)
            continue
        hidden = [k for k in kids if not found[k.key].shown]
        if len(hidden) == 1:
            # parent minus the shown siblings would give the hidden one back, unless
            # no sibling with responses is shown and the parent has responses of its own
            shown_rest = [k for k in kids if found[k.key].shown and k.n > 0]
            assert not shown_rest
            assert hidden[0].n < parent.n
