"""The bare endpoint of bench/submit_load.py: the claimant's durable work and nothing else.

Served by gunicorn next to the app, on the same database (``BARE_DATABASE_URL``: the
app's ``sqlite:///…`` or ``postgresql+psycopg://…`` URL), with sqlite3 / psycopg and no
ORM, forms library, templates, translations, CSRF or sessions:

- ``GET /s/<unit>/<counter>``: a small static form with a fresh submission id and the
  same number of radio groups as the app's form (the overall question, the facts and
  one rated item per dimension of the current questionnaire);
- ``POST`` the same URL: checks the fields, then inserts one row in ``responses`` and one
  in ``answers`` per item, in one transaction, exactly as the app stores them (same
  columns, same value formats; ``ON CONFLICT DO NOTHING`` keeps a retry harmless), with
  a durable commit (SQLite: WAL with the default ``synchronous = FULL``, as the app;
  PostgreSQL: ``synchronous_commit`` as the server has it), then redirects (303);
- ``GET /s/<code>/thanks``: a tiny thank-you page.

The catalogue (units, services, the current questionnaire) is read once per worker.
"""
from __future__ import annotations

import datetime as dt
import html
import json
import os
import sqlite3
import uuid
from dataclasses import dataclass
from typing import Any, Optional

from flask import Flask, abort, redirect, request

KIND_VALUES = {"rating": (1, 2, 3, 4, 5), "yes_no": (1, 2), "trips": (1, 2, 3, 4)}
RESPONSE_COLUMNS = ("id, unit_id, service_id, channel, questionnaire_id, locale, submitted_at, "
                    "received_at, status, status_reason, device_id, receipt_code_id, partial")
PAGE = """<!doctype html><html lang="vi"><meta charset="utf-8"><title>Khảo sát</title>
<form method="post" action="{action}">
<input type="hidden" name="submission_id" value="__SID__">
<input type="hidden" name="version" value="{version}">
<input type="hidden" name="lang" value="vi">
<select id="service" name="service" required><option value="">—</option>{services}</select>
{items}<textarea name="comment"></textarea><button>Gửi</button></form></html>"""
THANKS = '<!doctype html><html lang="vi"><meta charset="utf-8"><p>Cảm ơn!</p></html>'


@dataclass
class Item:
    code: str
    values: tuple[int, ...]
    required: bool


class Store:
    """One worker's connection and the catalogue it read at start."""

    def __init__(self, url: str):
        self.sqlite = url.startswith("sqlite")
        if self.sqlite:
            self.conn: Any = sqlite3.connect(url.split("///", 1)[1], isolation_level=None,
                                             timeout=30)
            self.conn.execute("PRAGMA foreign_keys = ON")
            self.conn.execute("PRAGMA journal_mode = WAL")
        else:
            import psycopg

            self.conn = psycopg.connect(url.replace("+psycopg", ""), autocommit=True)
        self.mark = "?" if self.sqlite else "%s"
        self.units = dict(self.rows("SELECT code, id FROM units WHERE active"))
        self.services = dict(self.rows(
            "SELECT code, id FROM services WHERE active ORDER BY position"))
        qid, version, definition = self.rows(
            "SELECT id, version, definition FROM questionnaires WHERE status = 'published' "
            "ORDER BY version DESC LIMIT 1")[0]
        self.questionnaire_id, self.version = qid, version
        if isinstance(definition, str):
            definition = json.loads(definition)
        kinds = {i["code"]: i.get("kind", "rating") for i in definition.get("items", [])}
        self.items = asked(self.rows(
            "SELECT code, dimension, required FROM questionnaire_items "
            f"WHERE questionnaire_id = {qid} ORDER BY position"), kinds)

    def rows(self, sql: str) -> list:
        return list(self.conn.execute(sql).fetchall())

    def insert(self, sid: uuid.UUID, unit_id: int, service_id: int,
               answers: dict[str, Optional[int]]) -> None:
        """One response and its answers, in one transaction, committed durably."""
        now = dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)
        key: Any = sid.hex if self.sqlite else sid
        stamp: Any = now.isoformat(" ", "microseconds") if self.sqlite else now
        marks = ", ".join([self.mark] * 13)
        response = (key, unit_id, service_id, "qr", self.questionnaire_id, "vi", stamp, stamp,
                    "valid", None, None, None, False)
        answer_rows = [(key, code, value) for code, value in answers.items()]
        if self.sqlite:
            self.conn.execute("BEGIN IMMEDIATE")
            try:
                self._insert(self.conn, marks, response, answer_rows)
                self.conn.execute("COMMIT")
            except BaseException:
                self.conn.execute("ROLLBACK")
                raise
        else:
            with self.conn.transaction():
                self._insert(self.conn.cursor(), marks, response, answer_rows)

    def _insert(self, cursor, marks: str, response: tuple, answer_rows: list) -> None:
        done = cursor.execute(f"INSERT INTO responses ({RESPONSE_COLUMNS}) VALUES ({marks}) "
                              "ON CONFLICT (id) DO NOTHING", response)
        if done.rowcount == 1:  # a retry of a stored id writes nothing more
            cursor.executemany("INSERT INTO answers (response_id, item_code, value) VALUES "
                               f"({self.mark}, {self.mark}, {self.mark})", answer_rows)


def asked(rows: list, kinds: dict[str, str]) -> list[Item]:
    """The overall question, the facts and the first rated item of each dimension: as many
    radio groups as the app's matrix-sampled form shows."""
    items, dimensions = [], set()
    for code, dimension, required in rows:
        kind = kinds.get(code, "rating")
        if kind == "rating" and dimension is not None:
            if dimension in dimensions:
                continue
            dimensions.add(dimension)
        items.append(Item(code, KIND_VALUES[kind], bool(required)))
    return items


def page_template(store: Store, action: str) -> str:
    services = "".join(f'<option value="{html.escape(code)}">{html.escape(code)}</option>'
                       for code in store.services)
    groups = "".join(
        f"<fieldset><legend>{item.code}</legend>" + "".join(
            f'<label><input type="radio" name="q_{item.code}" value="{value}">{value}</label>'
            for value in [*item.values, *(() if item.required else ("na",))]) + "</fieldset>"
        for item in store.items)
    return PAGE.format(action=html.escape(action), version=store.version, services=services,
                       items=groups)


def parse_answers(store: Store) -> Optional[dict[str, Optional[int]]]:
    """Item code → value (None: not applicable) from the posted form, or None if invalid."""
    answers: dict[str, Optional[int]] = {}
    for item in store.items:
        raw = request.form.get(f"q_{item.code}")
        if raw is None or raw == "":
            if item.required:
                return None
            continue
        if raw == "na" and not item.required:
            answers[item.code] = None
        elif raw.isdigit() and int(raw) in item.values:
            answers[item.code] = int(raw)
        else:
            return None
    return answers


def create_app() -> Flask:
    app = Flask(__name__)
    url = os.environ["BARE_DATABASE_URL"]
    state: dict[str, Store] = {}
    templates: dict[str, str] = {}

    def store() -> Store:
        # Opened in the worker, after gunicorn forks: a connection is not shared.
        if "store" not in state:
            state["store"] = Store(url)
        return state["store"]

    @app.route("/s/<unit_code>/<counter_code>", methods=["GET", "POST"])
    def survey(unit_code: str, counter_code: str):
        code = f"{unit_code}-{counter_code}".upper()
        unit_id = store().units.get(code)
        if unit_id is None:
            abort(404)
        if request.method == "GET":
            if request.full_path not in templates:
                templates[request.full_path] = page_template(store(), request.full_path)
            page = templates[request.full_path].replace("__SID__", str(uuid.uuid4()))
            preset = request.args.get("svc")
            if preset in store().services:
                page = page.replace(f'value="{preset}">', f'value="{preset}" selected>', 1)
            return page
        form = request.form
        answers = parse_answers(store())
        service_id = store().services.get(form.get("service", ""))
        try:
            sid = uuid.UUID(form.get("submission_id", ""))
        except ValueError:
            abort(400)
        if answers is None or service_id is None or form.get("version") != str(store().version):
            abort(400)
        store().insert(sid, unit_id, service_id, answers)
        return redirect(f"/s/{code}/thanks?lang=vi", code=303)

    @app.get("/s/<code>/thanks")
    def thanks(code: str):
        return THANKS

    return app


app = create_app() if "BARE_DATABASE_URL" in os.environ else None
