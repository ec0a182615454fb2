"""Microdata for analysts: the valid responses of a scope and period with their answers,
without contact details, comments or anything that identifies a person, plus served
counts and a codebook (CSV and JSON), so that every figure can be reproduced in R
(``survey``), Stata or Python (docs/reports.md shows how).

Per response: a row number (not the stored id), the unit it was given at, the day in
Vietnam time (with the unit, the primary sampling unit), the service, the channel, the
questionnaire version and one column per item (1–5, blank: not applicable or not asked).
"""
from __future__ import annotations

import csv
import io
import json
import zipfile
from typing import Any, Iterator, Sequence

import sqlalchemy as sa
from flask_babel import force_locale, gettext as _
from sqlalchemy.orm import Session

from ...io.reports import ZIP_TIME, csv_text
from ...models import Answer, Questionnaire, QuestionnaireItem, Response, Service, Unit
from ...timeutil import local_date
from ..errors import NotFound
from ..reporting import aggregates
from ..reporting.periods import parse_period
from ..reporting.served import imported_counts
from ..reporting.strata import UnitTree

BATCH = 5000


def _items(session: Session, qids: Sequence[int]) -> list[tuple[str, str, str]]:
    """(code, dimension, Vietnamese text) of every item of the versions, stable order."""
    rows = session.execute(sa.select(QuestionnaireItem.code, QuestionnaireItem.dimension,
                                     QuestionnaireItem.text_vi, QuestionnaireItem.position)
                           .where(QuestionnaireItem.questionnaire_id.in_(list(qids)))
                           .order_by(QuestionnaireItem.questionnaire_id,
                                     QuestionnaireItem.position))
    found: dict[str, tuple[str, str, str]] = {}
    for code, dimension, text, _position in rows:
        found.setdefault(code, (code, dimension or "", text))
    return list(found.values())


def codebook(items: Sequence[tuple[str, str, str]]) -> list[dict[str, Any]]:
    with force_locale("vi"):
        fixed = [
            {"column": "row", "type": "integer", "label": _("Row number (not a stored id)")},
            {"column": "unit", "type": "code", "label": _("Unit where the response was given")},
            {"column": "day", "type": "date", "label": _(
                "Day of the response in Vietnam time; with the unit, the primary sampling "
                "unit")},
            {"column": "service", "type": "code", "label": _("Service code (blank: not "
                                                              "given)")},
            {"column": "channel", "type": "code", "label": _(
                "Channel: qr, receipt, kiosk or web")},
            {"column": "questionnaire", "type": "integer", "label": _(
                "Questionnaire version answered")},
        ]
        answers = [{"column": code, "type": "integer 1–5", "dimension": dimension,
                    "label": text, "values": _("1 very dissatisfied … 5 very satisfied; "
                                                "blank: not applicable or not asked")}
                   for code, dimension, text in items]
    return fixed + answers


def _rows(session: Session, where: list[Any], codes: list[str]) -> Iterator[list[Any]]:
    units = dict(session.execute(sa.select(Unit.id, Unit.code)).all())
    services = dict(session.execute(sa.select(Service.id, Service.code)).all())
    versions = dict(session.execute(sa.select(Questionnaire.id, Questionnaire.version)).all())
    position = {code: i for i, code in enumerate(codes)}
    query = (sa.select(Response.id, Response.unit_id, Response.submitted_at,
                       Response.service_id, Response.channel, Response.questionnaire_id)
             .where(*where).order_by(Response.submitted_at, Response.id))
    number = 0
    for chunk in session.execute(query).yield_per(BATCH).partitions():
        answers: dict[Any, list[Any]] = {row.id: [None] * len(codes) for row in chunk}
        for response_id, code, value in session.execute(
                sa.select(Answer.response_id, Answer.item_code, Answer.value)
                .where(Answer.response_id.in_(list(answers)))):
            if code in position:
                answers[response_id][position[code]] = value
        for row in chunk:
            number += 1
            yield [number, units[row.unit_id], local_date(row.submitted_at).isoformat(),
                   services.get(row.service_id, ""), row.channel.value,
                   versions[row.questionnaire_id], *answers[row.id]]


def _csv(rows: Iterator[list[Any]] | list[list[Any]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    for row in rows:
        writer.writerow([csv_text(v) for v in row])
    return b"\xef\xbb\xbf" + buffer.getvalue().encode("utf-8")


def _parent_code(tree: UnitTree, unit: int, root: int) -> str:
    parent = tree.nodes[unit].parent_id
    return tree.nodes[parent].code if unit != root and parent is not None else ""


def microdata_zip(session: Session, unit: str, period: str) -> bytes:
    """responses.csv, served.csv (imported counts for the period, all services), units.csv
(the tree of the scope, to rebuild strata), codebook.csv and codebook.json in a zip."""
    parsed = parse_period(period)
    tree = UnitTree.load(session)
    scope = tree.by_code(unit or "")
    if scope is None:
        raise NotFound(_("Unknown unit code %(code)s.", code=repr(unit)))
    members = tree.subtree(scope.id)
    where = aggregates.period_filter(parsed, members)
    items = _items(session, aggregates.answered_questionnaires(session, where))
    codes = [code for code, _d, _t in items]
    book = codebook(items)
    head = [entry["column"] for entry in book]
    served = [[parsed.code, tree.nodes[u].code, "", count]
              for (u, service), count in sorted(imported_counts(session, parsed).items(),
                                                key=lambda kv: (tree.nodes[kv[0][0]].code,
                                                                kv[0][1] or 0))
              if u in set(members) and service is None]
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        def put(name: str, data: bytes) -> None:
            info = zipfile.ZipInfo(name, ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, data)
        put("responses.csv", _csv([head, *_rows(session, where, codes)]))
        put("served.csv", _csv([["period", "unit", "service", "count"], *served]))
        put("units.csv", _csv([["unit", "parent"]] + sorted(
            [tree.nodes[u].code, _parent_code(tree, u, scope.id)] for u in members)))
        put("codebook.csv", _csv([["column", "type", "dimension", "label", "values"]] + [
            [e["column"], e["type"], e.get("dimension", ""), e["label"], e.get("values", "")]
            for e in book]))
        put("codebook.json", json.dumps({"unit": scope.code, "period": parsed.code,
                                         "columns": book}, ensure_ascii=False,
                                        indent=1).encode("utf-8"))
    return out.getvalue()
