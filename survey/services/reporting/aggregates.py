"""SQL aggregation behind the satisfaction index: sufficient statistics per group.

The composite's linearized variance needs, per stratum, the k × k counts of
respondents satisfied with / answering both of two items (see
:mod:`survey.analysis.sums`). A self-join of answers makes k² rows per response;
instead the database folds each response's answers into two bit masks (bit j of
``ymask`` = answered item j with 4–5, of ``rmask`` = answered item j at all; both
packed into one integer per 30 keys, :data:`SATISFIED_SHIFT`) and counts responses
per (group, ymask, rmask). Python turns the — usually few —
distinct patterns into the exact integer cross-products with one matrix product
per group. Items are "keys": ``dimension:code`` (each questionnaire version's own
dimension map) for the composite, or the plain item code for item shares.

Each response keeps its rated answers folded the same way when it is stored
(:attr:`Response.answer_bits`, bits by the items' positions in its questionnaire
version) and its facts' values packed 3 bits each (:attr:`Response.fact_values`), so
both are counted from the responses alone (:func:`stored_query`): the join with the
answers — fifteen rows per response — is left to the responses stored without them.

The clustered design needs less: per primary sampling unit (the unit a response was
given at × the local calendar day), the number of responses and, per key, the number
satisfied and the number who answered: the same pattern query grouped by day as well
(:func:`pattern_sums`, :func:`psu_blocks`), so that one pass over the answers serves both.
"""
from __future__ import annotations

import contextlib
import datetime as dt
from dataclasses import dataclass, field
from typing import Any, Iterator, Optional, Sequence

import numpy as np
import sqlalchemy as sa
from sqlalchemy.orm import Session

from ...analysis import StratumSums
from ...models import Answer, Channel, QuestionnaireItem, Response, ResponseStatus
from ...models.questionnaires import fact_codes
from ...models.responses import FACT_NONE, MAX_FACTS, SATISFIED_SHIFT, fact_slot
from .periods import Period

#: The composite index's dimensions (the five SIPAS dimensions), in display order. An
#: item enters the composite through the dimension its questionnaire version gives it;
#: an item of any other dimension (or of none, like the overall question) does not.
INDEX_DIMENSIONS = ("access", "procedure", "staff", "result", "feedback")
#: Bits per mask column: keeps every mask a non-negative 32-bit integer.
BITS = 30
#: Patterns fetched per round trip; bounds memory whatever the data size.
CHUNK = 20_000
GROUPINGS = {"unit": (), "service": ("service_id",), "channel": ("channel",)}


@dataclass(frozen=True)
class ItemKeys:
    """Item keys in a fixed order and which (questionnaire, item code) feeds each."""

    keys: tuple[str, ...]
    #: (questionnaire_id, item_code) → key position
    position: dict[tuple[int, str], int]
    #: dimension code → keys (composite mode), in questionnaire order
    dimensions: dict[str, list[str]] = field(default_factory=dict)
    #: Facts mode: key → the stored values that count as "yes" for its indicator.
    positive: dict[str, tuple[int, ...]] = field(default_factory=dict)
    #: questionnaire_id → the key of each of its items, by position (-1: no key), to read
    #: :attr:`Response.answer_bits`.
    slots: dict[int, np.ndarray] = field(default_factory=dict)
    #: Facts mode: questionnaire_id → (slot in :attr:`Response.fact_values`, key index,
    #: item code) of each of its facts that has a key.
    fact_slots: dict[int, list[tuple[int, int, str]]] = field(default_factory=dict)

    def satisfied(self) -> sa.ColumnElement[bool]:
        """When an answer counts for its key: 4–5 on the satisfaction scale, or one of
        the indicator's values for a fact."""
        if not self.positive:
            return Answer.value >= 4
        return sa.or_(*[sa.and_(Answer.item_code == code, Answer.value.in_(values))
                        for code, values in self.positive.items()])


def item_keys(session: Session, questionnaire_ids: Sequence[int], composite: bool,
              facts: bool = False, source: str = "indicator") -> ItemKeys:
    """Keys for the versions answered in the period.

    ``composite``: items with a dimension, keyed ``dimension:code`` so that a code
    moved to another dimension in a later version keeps each version's mapping.
    Otherwise every rated item, keyed by its stable code; with ``facts``, the facts
    that define an indicator instead (yes/no, trips), keyed by code: the indicator named
    under ``source`` in their definition (``indicator``: the facts' own shares;
    ``coverage``: the plan's claimant-reported coverage, :mod:`survey.services.coverage`).
    Facts, whatever their source, never enter the composite or the item rows.
    """
    rows = session.execute(
        sa.select(QuestionnaireItem.questionnaire_id, QuestionnaireItem.code,
                  QuestionnaireItem.dimension, QuestionnaireItem.position)
        .where(QuestionnaireItem.questionnaire_id.in_(list(questionnaire_ids)))
        .order_by(QuestionnaireItem.questionnaire_id.desc(), QuestionnaireItem.position))
    keys: dict[str, int] = {}
    position: dict[tuple[int, str], int] = {}
    dimensions: dict[str, list[str]] = {}
    fact_items, fact_order = _fact_items(session, questionnaire_ids, source)
    positive: dict[str, tuple[int, ...]] = {}
    slots: dict[int, dict[int, int]] = {}
    fact_slots: dict[int, list[tuple[int, int, str]]] = {}
    for qid, code, dimension, place in rows:
        slots.setdefault(qid, {})
        if facts:
            values = fact_items.get((qid, code))
            if not values:
                continue
            positive.setdefault(code, values)
        elif (qid, code) in fact_items or (composite and dimension not in INDEX_DIMENSIONS):
            continue
        key = f"{dimension}:{code}" if composite else code
        if key not in keys:
            keys[key] = len(keys)
            if composite and dimension is not None:
                dimensions.setdefault(dimension, []).append(key)
        position[(qid, code)] = slots[qid][place] = keys[key]
        if facts and code in fact_order.get(qid, {}):
            fact_slots.setdefault(qid, []).append((fact_order[qid][code], keys[key], code))
    order = {d: i for i, d in enumerate(INDEX_DIMENSIONS)}
    dimensions = dict(sorted(dimensions.items(), key=lambda pair: order[pair[0]]))
    by_position = {}
    for qid, found in slots.items():
        places = np.full(SATISFIED_SHIFT, -1, dtype=np.int64)
        for place, key_index in found.items():
            if place < SATISFIED_SHIFT:
                places[place] = key_index
        by_position[qid] = places
    return ItemKeys(tuple(keys), position, dimensions, positive, by_position, fact_slots)


def _fact_items(session: Session, questionnaire_ids: Sequence[int], source: str = "indicator"
                ) -> tuple[dict[tuple[int, str], tuple[int, ...]], dict[int, dict[str, int]]]:
    """(questionnaire id, item code) of the facts (yes/no, trips, need: not rated 1–5)
    → the values their indicator under ``source`` counts (empty when it has none); and
    questionnaire id → its facts' slots in :attr:`Response.fact_values` (none for a
    version of more than :data:`MAX_FACTS` facts, whose responses have no values)."""
    from ...models import Questionnaire
    from ...models.questionnaires import RATING

    found: dict[tuple[int, str], tuple[int, ...]] = {}
    order: dict[int, dict[str, int]] = {}
    for qid, definition in session.execute(
            sa.select(Questionnaire.id, Questionnaire.definition)
            .where(Questionnaire.id.in_(list(questionnaire_ids)))):
        for item in definition.get("items", []):
            if item.get("kind", RATING) != RATING:
                values = (item.get(source) or {}).get("values") or ()
                found[(qid, item["code"])] = tuple(int(v) for v in values)
        codes = fact_codes(definition)
        if len(codes) <= MAX_FACTS:
            order[qid] = {code: i for i, code in enumerate(codes)}
    return found, order


#: Channels whose responses are verified: a single-use receipt code, or a paired kiosk.
VERIFIED_CHANNELS = (Channel.receipt, Channel.kiosk)


def period_filter(period: Period, unit_ids: Optional[Sequence[int]],
                  verified: bool = False) -> list[Any]:
    """WHERE clauses: valid responses submitted in the period, in the given units (only
    those of :data:`VERIFIED_CHANNELS` when ``verified``). Flagged and excluded
    responses never count."""
    clauses = [Response.status == ResponseStatus.valid,
               Response.submitted_at >= period.start_utc,
               Response.submitted_at < period.end_utc]
    if unit_ids is not None:
        clauses.append(Response.unit_id.in_(list(unit_ids)))
    if verified:
        clauses.append(Response.channel.in_(VERIFIED_CHANNELS))
    return clauses


def answered_questionnaires(session: Session, where: list[Any]) -> list[int]:
    return list(session.scalars(sa.select(Response.questionnaire_id).where(*where).distinct()))


def response_counts(session: Session, where: list[Any], by: str) -> dict[tuple, int]:
    """Valid responses per (unit_id, [service_id | channel])."""
    group = [Response.unit_id] + [getattr(Response, c) for c in GROUPINGS[by]]
    rows = session.execute(sa.select(*group, sa.func.count()).where(*where).group_by(*group))
    return {tuple(_plain(v) for v in row[:-1]): row[-1] for row in rows}


def _plain(value: Any) -> Any:
    return getattr(value, "value", value)  # enums (channel) → their stored text


def _bit_case(keys: ItemKeys, chunk: int) -> sa.ColumnElement:
    """CASE questionnaire_id WHEN q THEN CASE item_code WHEN c THEN 2^bit … END … END."""
    by_questionnaire: dict[int, list[tuple[str, int]]] = {}
    for (qid, code), pos in keys.position.items():
        if pos // BITS == chunk:
            by_questionnaire.setdefault(qid, []).append((code, 1 << (pos % BITS)))
    whens = {qid: sa.case(dict(pairs), value=Answer.item_code, else_=0)
             for qid, pairs in by_questionnaire.items()}
    if not whens:
        return sa.literal(0)
    return sa.case(whens, value=Response.questionnaire_id, else_=0)


#: A response's answers to the keys of one chunk fold into one integer: bit j (j < 30)
#: says it answered key j, bit 30 + j that it was satisfied with it (so 2^j for an
#: answer, 2^j · (2^30 + 1) for a satisfied one; each key is answered once, so sums
#: never carry). One CASE on the item code per answer instead of two. The same layout
#: as :attr:`Response.answer_bits`, whose bits are the items' positions instead of keys.
assert SATISFIED_SHIFT == BITS
_ANSWERED, _SATISFIED = 1, (1 << SATISFIED_SHIFT) + 1


def stored_query(where: list[Any], by: str, day: Optional[sa.ColumnElement] = None,
                 column: Any = Response.answer_bits) -> sa.Select:
    """Responses counted per (unit_id, [group], [day], questionnaire_id, ``column``:
    :attr:`Response.answer_bits` or :attr:`Response.fact_values`) from the responses
    alone; -1 counts those stored without it (their answers are read by
    :func:`pattern_query`)."""
    group = [Response.unit_id.label("unit_id")] + [
        getattr(Response, c).label(c) for c in GROUPINGS[by]]
    if day is not None:
        group.append(day.label("day"))
    group += [Response.questionnaire_id.label("questionnaire_id"),
              sa.func.coalesce(column, -1).label("bits")]
    return sa.select(*group, sa.func.count()).where(*where).group_by(*group)


def pattern_query(keys: ItemKeys, where: list[Any], by: str,
                  day: Optional[sa.ColumnElement] = None, dialect: str = "") -> sa.Select:
    """Responses counted per (unit_id, [group], [day], mask…): ``m<c>`` holds the
    answered bits of chunk c in its low 30 bits and the satisfied bits above them.

    Per response, the answers are grouped by the response's primary key alone (its
    unit, service, channel and day depend on it: a narrower key than all of them); on
    SQLite by its rowid, the order in which the status index gives the responses, so
    that SQLite groups as it reads instead of sorting every answer first."""
    group = [Response.unit_id.label("unit_id")] + [
        getattr(Response, c).label(c) for c in GROUPINGS[by]]
    if day is not None:
        group.append(day.label("day"))
    chunks = max(1, -(-len(keys.keys) // BITS))
    weight = sa.case((keys.satisfied(), sa.literal(_SATISFIED, sa.BigInteger)),
                     (Answer.value.is_not(None), sa.literal(_ANSWERED, sa.BigInteger)),
                     else_=sa.literal(0, sa.BigInteger))
    # (PostgreSQL sums bigints as numeric: cast back, so that the driver gives ints.)
    masks = [sa.cast(sa.func.sum(_bit_case(keys, c) * weight), sa.BigInteger).label(f"m{c}")
             for c in range(chunks)]
    response = sa.literal_column(f"{Response.__tablename__}.rowid") \
        if dialect == "sqlite" else Response.id
    # Only the answers to the keys' items: the others would add nothing but rows.
    codes = sorted({code for _qid, code in keys.position})
    per_response = (sa.select(*group, *masks)
                    .join(Answer, Answer.response_id == Response.id)
                    .where(*where, Answer.item_code.in_(codes))
                    .group_by(response).subquery("per_response"))
    cols = [per_response.c[g.name] for g in group]
    mask_cols = [per_response.c[m.name] for m in masks]
    return sa.select(*cols, *mask_cols, sa.func.count()).group_by(*cols, *mask_cols)


class Accumulator:
    """Running sums Σ y_j y_k, Σ y_j r_k, Σ r_j r_k of one group (float64, exact < 2⁵³)."""

    def __init__(self, k: int):
        self.yy = np.zeros((k, k))
        self.yr = np.zeros((k, k))
        self.rr = np.zeros((k, k))

    def add(self, y: np.ndarray, r: np.ndarray, count: np.ndarray) -> None:
        weighted_y = y * count[:, None]
        self.yy += weighted_y.T @ y
        self.yr += weighted_y.T @ r
        self.rr += (r * count[:, None]).T @ r

    def merged(self, other: "Accumulator") -> "Accumulator":
        """A new accumulator holding both sums."""
        both = Accumulator(0)
        both.yy, both.yr, both.rr = self.yy + other.yy, self.yr + other.yr, self.rr + other.rr
        return both

    def columns(self, index: np.ndarray) -> "Accumulator":
        """A new accumulator of the keys at ``index`` only (in that order)."""
        part = Accumulator(0)
        grid = np.ix_(index, index)
        part.yy, part.yr, part.rr = self.yy[grid], self.yr[grid], self.rr[grid]
        return part

    def stratum(self, n: int, big_n: Optional[float] = None) -> StratumSums:
        return StratumSums(n, big_n, np.diag(self.yy).copy(), np.diag(self.rr).copy(),
                           self.yy, self.yr, self.rr)


def _unpack(masks: np.ndarray, k: int) -> np.ndarray:
    """(m, chunks) integer masks → (m, k) 0/1 float matrix."""
    columns = []
    for c in range(masks.shape[1]):
        width = min(BITS, k - c * BITS)
        columns.append((masks[:, c:c + 1] >> np.arange(width)) & 1)
    return np.hstack(columns).astype(float) if columns else np.zeros((len(masks), 0))


#: Per (unit_id, [group]): local day → (satisfied, answered) counts per key.
DaySums = dict[tuple, dict[Any, list[np.ndarray]]]


#: PostgreSQL settings for the pattern query, in its transaction only: enough memory for
#: its per-response hash aggregate not to spill to disk at a million responses (the
#: server's default, 4 MB, made it write ~300 MB of temporary files), and no JIT
#: compilation (2.3 s of compiling for a query that runs once).
PG_SETTINGS = {"work_mem": "64MB", "jit": "off"}


@contextlib.contextmanager
def planner_settings(connection: sa.Connection) -> Iterator[None]:
    """:data:`PG_SETTINGS` for the statements run inside, on PostgreSQL; the previous
    values are put back after (``set_config(…, true)``: local to the transaction, so
    an error that rolls it back drops them too)."""
    if connection.dialect.name != "postgresql":
        yield
        return
    names = list(PG_SETTINGS)
    before = connection.execute(sa.select(*[sa.func.current_setting(n) for n in names])).one()
    connection.execute(sa.select(*[sa.func.set_config(n, v, True)
                                   for n, v in PG_SETTINGS.items()]))
    yield  # after an error the transaction is rolled back, and the settings with it
    connection.execute(sa.select(*[sa.func.set_config(n, v, True)
                                   for n, v in zip(names, before)]))


@dataclass
class Pass:
    """What one pass over the period gives (:func:`pattern_pass`)."""

    sums: dict[tuple, "Accumulator"]
    days: "DaySums"
    #: (unit_id, [group]) → day number → responses (every response the filter selects,
    #: answered or not), counted by the same pass over the responses; ``None`` when no
    #: day was asked (or no key): count them apart.
    responses: Optional[dict[tuple, dict[int, int]]] = None


def pattern_sums(session: Session, keys: ItemKeys, where: list[Any], by: str,
                 day: Optional[sa.ColumnElement] = None
                 ) -> tuple[dict[tuple, Accumulator], DaySums]:
    """:func:`pattern_pass`'s sums and per-day counts."""
    found = pattern_pass(session, keys, where, by, day)
    return found.sums, found.days


def pattern_pass(session: Session, keys: ItemKeys, where: list[Any], by: str,
                 day: Optional[sa.ColumnElement] = None) -> Pass:
    """Cross-product sums per (unit_id, [group]), streamed in chunks from SQL, and, when
    ``day`` (an integer local-day expression, :func:`day_expression`) is given, the
    satisfied / answered counts per key of each (unit_id, [group], day) from the same
    single pass — with the responses per group and day.

    Ratings are read from the responses' stored :attr:`Response.answer_bits`, facts
    from their :attr:`Response.fact_values` (:func:`stored_query`: no join with the
    answers); only responses stored without them are read from their answers
    (:func:`pattern_query`). Each chunk is handled column-wise in numpy (one
    matrix product per group, one ``bincount`` per key for the days): no Python work
    per pattern row but the lookup of its group."""
    k = len(keys.keys)
    fold = _Fold(k, len(GROUPINGS[by]) + 1, day is not None)
    if k == 0:
        return Pass(fold.sums, fold.days)
    connection = session.connection()
    unstored = False
    column = Response.fact_values if keys.positive else Response.answer_bits
    with planner_settings(connection):
        for gid, data in fold.chunks(connection.execute(stored_query(where, by, day,
                                                                     column))):
            fold.count(gid, data)
            bits, qids = data[:, -2], data[:, -3]
            unstored = unstored or bool((bits < 0).any())
            for qid in np.unique(qids[bits >= 0]).tolist():
                rows = (qids == qid) & (bits >= 0)
                if keys.positive:
                    found = keys.fact_slots.get(qid)
                    if found:
                        fold.add(gid[rows], data[rows],
                                 *_from_facts(bits[rows], found, keys.positive, k))
                    continue
                places = keys.slots.get(qid)
                if places is None or not (places >= 0).any():
                    continue  # none of this version's items has a key
                fold.add(gid[rows], data[rows], *_from_positions(bits[rows], places, k))
        if unstored:
            rest = where + [column.is_(None)]
            result = connection.execute(pattern_query(keys, rest, by, day,
                                                      connection.dialect.name))
            chunks = max(1, -(-k // BITS))
            for gid, data in fold.chunks(result):
                masks = data[:, fold.width + fold.extra:fold.width + fold.extra + chunks]
                fold.add(gid, data, _unpack(masks >> SATISFIED_SHIFT, k),
                         _unpack(masks & ((1 << SATISFIED_SHIFT) - 1), k))
    counted = fold.counted() if day is not None else None
    return Pass(fold.sums, fold.finish(), counted)


def _from_facts(values: np.ndarray, slots: list[tuple[int, int, str]],
                positive: dict[str, tuple[int, ...]], k: int) -> tuple[np.ndarray, np.ndarray]:
    """(satisfied, answered) 0/1 matrices (m, k) over the keys from stored
    :attr:`Response.fact_values` of one version: answered when a value other than
    ``None`` was given, satisfied when it is one its indicator counts."""
    y, r = np.zeros((len(values), k)), np.zeros((len(values), k))
    for slot, key, code in slots:
        value = fact_slot(values, slot)
        answered = (value != 0) & (value != FACT_NONE)
        r[:, key] = answered
        y[:, key] = answered & np.isin(value, positive[code])
    return y, r


def _from_positions(bits: np.ndarray, places: np.ndarray,
                    k: int) -> tuple[np.ndarray, np.ndarray]:
    """(satisfied, answered) 0/1 matrices (m, k) over the keys from stored
    :attr:`Response.answer_bits` of one questionnaire version (``places``: the key of
    each item position, -1 for none)."""
    used = np.flatnonzero(places >= 0)
    y, r = np.zeros((len(bits), k)), np.zeros((len(bits), k))
    r[:, places[used]] = (bits[:, None] >> used) & 1
    y[:, places[used]] = (bits[:, None] >> (used + SATISFIED_SHIFT)) & 1
    return y, r


class _Fold:
    """Folds chunks of pattern rows — (unit_id, [group], [day], …, count) — into the
    cross-product sums per group and the per-day counts per key."""

    def __init__(self, k: int, width: int, days: bool):
        self.k, self.width, self.extra = k, width, 1 if days else 0
        self.sums: dict[tuple, Accumulator] = {}
        self.days: DaySums = {}
        self.group_ids: dict[tuple, int] = {}  # (unit_id, [group]) → group id
        self.group_labels: list[tuple] = []  # group id → its (unit_id, [group]) key
        self.day_ids: dict[tuple[int, int], int] = {}  # (group id, day number) → day id
        self.y_day, self.r_day = np.zeros((0, k)), np.zeros((0, k))  # day id → counts
        self.responses: dict[tuple[int, int], int] = {}  # (group id, day) → responses

    def chunks(self, result: Any) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        """The result's rows in chunks: each row's group id, and the rows as one int64
        array (its group columns zeros when they are not all integers).

        Read from the driver's cursor: none of the columns has a result processor (ints,
        the channel's stored text), so the rows are what SQLAlchemy would give, without
        building a Row object for each of them."""
        cursor, width = result.cursor, self.width
        try:
            while rows := cursor.fetchmany(CHUNK):
                if width == 1:  # by unit: every column an integer, one numpy array
                    data = np.array(rows, dtype=np.int64).reshape(len(rows), -1)
                    units, inverse = np.unique(data[:, 0], return_inverse=True)
                    found = [(int(unit),) for unit in units]
                else:  # a service (or None) or a channel's text beside the unit
                    columns = list(zip(*rows))
                    local: dict[tuple, int] = {}
                    inverse = np.fromiter(
                        (local.setdefault(tuple(_plain(v) for v in key), len(local))
                         for key in zip(*columns[:width])), dtype=np.int64, count=len(rows))
                    found = list(local)
                    data = np.array(columns[width:], dtype=np.int64).T.reshape(len(rows), -1)
                    data = np.hstack([np.zeros((len(rows), width), dtype=np.int64), data])
                for label in found:
                    if label not in self.group_ids:
                        self.group_ids[label] = len(self.group_labels)
                        self.group_labels.append(label)
                yield (np.array([self.group_ids[label] for label in found],
                                dtype=np.int64)[inverse.reshape(-1)], data)
        finally:
            result.close()

    def add(self, gid: np.ndarray, data: np.ndarray, y: np.ndarray, r: np.ndarray) -> None:
        """Add pattern rows: their group ids, the rows, their satisfied and answered
        matrices (m, k)."""
        count = data[:, -1].astype(float)
        order = np.argsort(gid, kind="stable")
        present, starts = np.unique(gid[order], return_index=True)
        for g, index in zip(present.tolist(), np.split(order, starts[1:])):
            self.sums.setdefault(self.group_labels[g], Accumulator(self.k)).add(
                y[index], r[index], count[index])
        if not self.extra:
            return
        pairs, within = np.unique(gid * (1 << 32) + data[:, self.width], return_inverse=True)
        did = np.array([self.day_ids.setdefault((int(pair >> 32), int(pair & 0xFFFFFFFF)),
                                                len(self.day_ids)) for pair in pairs],
                       dtype=np.int64)[within.reshape(-1)]
        size = len(self.day_ids)
        if size > len(self.y_day):
            grow = np.zeros((size - len(self.y_day), self.k))
            self.y_day, self.r_day = np.vstack([self.y_day, grow]), np.vstack([self.r_day, grow])
        weighted_y, weighted_r = y * count[:, None], r * count[:, None]
        for j in range(self.k):
            self.y_day[:, j] += np.bincount(did, weights=weighted_y[:, j], minlength=size)
            self.r_day[:, j] += np.bincount(did, weights=weighted_r[:, j], minlength=size)

    def count(self, gid: np.ndarray, data: np.ndarray) -> None:
        """Count the responses of a chunk per group and day (rows of the stored query,
        which selects every response)."""
        if not self.extra:
            return
        pairs, inverse = np.unique(gid * (1 << 32) + data[:, self.width], return_inverse=True)
        totals = np.bincount(inverse.reshape(-1), weights=data[:, -1])
        for pair, total in zip(pairs.tolist(), totals.tolist()):
            key = (pair >> 32, pair & 0xFFFFFFFF)
            self.responses[key] = self.responses.get(key, 0) + int(total)

    def counted(self) -> dict[tuple, dict[int, int]]:
        """The responses counted by :meth:`count`: (unit_id, [group]) → day → n."""
        out: dict[tuple, dict[int, int]] = {}
        for (g, number), n in self.responses.items():
            out.setdefault(self.group_labels[g], {})[number] = n
        return out

    def finish(self) -> DaySums:
        if self.extra:
            for (g, number), d in self.day_ids.items():
                self.days.setdefault(self.group_labels[g], {})[number] = [self.y_day[d],
                                                                          self.r_day[d]]
        return self.days


# --- Primary sampling units ---------------------------------------------------------

@dataclass
class PsuBlock:
    """The PSUs (local days) of one group (unit [, service | channel]): ``days``, and per
    day the responses ``n`` (m,), the satisfied ``y`` (m, k) and the answered ``r``."""

    days: list[Any]
    n: np.ndarray
    y: np.ndarray
    r: np.ndarray


def local_day(session: Session, column: Any, offset_seconds: int) -> sa.ColumnElement:
    """The calendar date of a stored (naive UTC) timestamp at a fixed UTC offset.

    Vietnam keeps UTC+7 all year, so a fixed offset is exact. SQLite: the stored text
    cut to whole seconds (its date arithmetic rounds fractions to milliseconds, which
    would move 23:59:59.9995 to the next day); PostgreSQL: timestamp + interval → date.
    """
    if session.get_bind().dialect.name == "sqlite":
        return sa.func.date(sa.func.substr(column, 1, 19), f"{offset_seconds:+d} seconds")
    return sa.cast(column + sa.literal(dt.timedelta(seconds=offset_seconds)), sa.Date)


#: Day 0 of :func:`day_expression`'s day numbers.
EPOCH = dt.date(1970, 1, 1)


def day_expression(session: Session, offset_seconds: int) -> sa.ColumnElement[int]:
    """The local day of a response (the PSU's day) as a number: days since
    :data:`EPOCH` (``EPOCH + timedelta(days=n)`` is the date), so that the pattern rows
    are all integers and go into numpy in one step. The same calendar date as
    :func:`local_day`: SQLite counts the whole seconds of the stored text, PostgreSQL
    subtracts dates."""
    column = Response.submitted_at
    if session.get_bind().dialect.name == "sqlite":
        seconds = sa.func.strftime("%s", sa.func.substr(column, 1, 19),
                                   f"{offset_seconds:+d} seconds")
        return sa.cast(seconds, sa.Integer) // 86400
    return sa.type_coerce(local_day(session, column, offset_seconds)
                          - sa.cast(sa.literal(EPOCH.isoformat()), sa.Date), sa.Integer)


def psu_blocks(session: Session, k: int, where: list[Any], by: str,
               day: sa.ColumnElement, day_sums: DaySums) -> dict[tuple, PsuBlock]:
    """Per (unit_id, [group]): each local day's responses (all of them, answered or not,
    counted here) with its satisfied and answered counts (from :func:`pattern_sums`)."""
    group = [Response.unit_id] + [getattr(Response, c) for c in GROUPINGS[by]]
    width = len(group)
    counts: dict[tuple, dict[Any, int]] = {}
    for row in session.execute(sa.select(*group, day, sa.func.count())
                               .where(*where).group_by(*group, day)):
        counts.setdefault(tuple(_plain(v) for v in row[:width]), {})[row[width]] = row[-1]
    return blocks(counts, k, day_sums)


def blocks(counts: dict[tuple, dict[Any, int]], k: int,
           day_sums: DaySums) -> dict[tuple, PsuBlock]:
    """:class:`PsuBlock` per group from its responses per day (:func:`psu_blocks`, or a
    :class:`Pass` that counted them) and the satisfied and answered counts per day."""
    out = {}
    for key, per_day in counts.items():
        ordered = sorted(per_day)
        sums = day_sums.get(key, {})
        zero = [np.zeros(k), np.zeros(k)]
        out[key] = PsuBlock(
            ordered, np.array([per_day[d] for d in ordered], dtype=float),
            np.array([sums.get(d, zero)[0] for d in ordered]).reshape(len(ordered), k),
            np.array([sums.get(d, zero)[1] for d in ordered]).reshape(len(ordered), k))
    return out
