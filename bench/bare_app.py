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
- ``GET /s/<code>/thanks``: a tiny thank-you page;
- ``POST /api/v1/responses`` (bench/kiosk_ingest.py): a kiosk's batch, ``{"responses":
  [...]}`` in the kiosk's item format, with the device token as ``Authorization: Bearer``
  (looked up by its SHA-256 in ``kiosk_devices``, as the app stores it). Each item is
  checked minimally (uuid, ISO time with an offset, the current version, a known service
  and reasons, known items with values in range), then in one durable transaction: the
  device's ``last_seen_at`` updated (which also queues batches of one device), one
  query for the ids already stored, one executemany INSERT into ``responses`` (``ON
  CONFLICT (id) DO NOTHING``, channel ``kiosk``, ``device_id`` set), one executemany per
  child table (answers, reasons) for the responses inserted. It answers ``{accepted,
  duplicates, rejected}`` like the app. Unlike the app, no too-fast check (the app's
  one range query per batch) and no per-dimension sampling check.

The catalogue (units, services, the current questionnaire) is read once per worker.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import html
import json
import os
import sqlite3
import uuid
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Iterator, Optional

from flask import Flask, abort, jsonify, redirect, request

KIND_VALUES = {"rating": (1, 2, 3, 4, 5), "yes_no": (1, 2), "trips": (1, 2, 3, 4),
               "need": (1, 2)}
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
#: The app's KIOSK_MAX_BATCH.
MAX_BATCH = 500
#: The app's rule: device times before this are a clock that was never set.
EARLIEST = dt.datetime(2020, 1, 1, tzinfo=dt.timezone.utc)


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
        every = self.rows("SELECT code, dimension, required FROM questionnaire_items "
                          f"WHERE questionnaire_id = {qid} ORDER BY position")
        self.items = asked(every, kinds)
        #: Every item of the version (a kiosk may draw any of a dimension's items).
        self.values = {code: KIND_VALUES[kinds.get(code, "rating")] for code, _d, _r in every}
        self.required = {code for code, _d, required in every if required}
        self.reasons = {reason["code"] for reason in definition.get("reasons", [])}

    def rows(self, sql: str) -> list:
        return list(self.conn.execute(sql).fetchall())

    @contextmanager
    def transaction(self) -> Iterator[Any]:
        """A cursor in one transaction, committed durably on leaving (SQLite: BEGIN
        IMMEDIATE, the write lock at once, as the app's writes take it)."""
        if self.sqlite:
            self.conn.execute("BEGIN IMMEDIATE")
            try:
                yield self.conn
                self.conn.execute("COMMIT")
            except BaseException:
                self.conn.execute("ROLLBACK")
                raise
        else:
            with self.conn.transaction():
                yield self.conn.cursor()

    def device(self, token: str) -> Optional[tuple[int, int]]:
        """(id, unit id) of the paired, unrevoked kiosk holding ``token``."""
        digest = hashlib.sha256(token.encode("utf-8")).hexdigest()
        found = self.conn.execute(
            f"SELECT id, unit_id FROM kiosk_devices WHERE token_hash = {self.mark} "
            "AND revoked_at IS NULL", (digest,)).fetchone()
        return (found[0], found[1]) if found else None

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
        with self.transaction() as cursor:
            self._insert(cursor, marks, response, answer_rows)

    def _insert(self, cursor, marks: str, response: tuple, answer_rows: list) -> None:
        done = cursor.execute(f"INSERT INTO responses ({RESPONSE_COLUMNS}) VALUES ({marks}) "
                              "ON CONFLICT (id) DO NOTHING", response)
        if done.rowcount == 1:  # a retry of a stored id writes nothing more
            cursor.executemany("INSERT INTO answers (response_id, item_code, value) VALUES "
                               f"({self.mark}, {self.mark}, {self.mark})", answer_rows)


    def ingest(self, device: tuple[int, int], items: list) -> dict[str, list]:
        """A kiosk's batch: every valid item stored once, in one durable transaction;
        returns ``{accepted, duplicates, rejected}`` as the app does."""
        device_id, unit_id = device
        now = dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)
        result: dict[str, list] = {"accepted": [], "duplicates": [], "rejected": []}
        parsed: dict[str, tuple[uuid.UUID, dict]] = {}  # raw id → (id, item), one per id
        for raw in items:
            sid, errors = check_item(self, raw, now)
            if errors or sid is None:
                raw_id = raw.get("id") if isinstance(raw, dict) else None
                result["rejected"].append({"id": raw_id if isinstance(raw_id, str) else None,
                                           "errors": errors})
            elif raw["id"] in parsed:
                result["duplicates"].append(raw["id"])  # a second copy in the batch
            else:
                parsed[raw["id"]] = (sid, raw)
        with self.transaction() as cursor:
            cursor.execute(f"UPDATE kiosk_devices SET last_seen_at = {self.mark} "
                           f"WHERE id = {self.mark}", (self._stamp(now), device_id))
            if parsed:
                self._store_batch(cursor, device_id, unit_id, now, parsed, result)
        return result

    def _stamp(self, moment: dt.datetime) -> Any:
        return moment.isoformat(" ", "microseconds") if self.sqlite else moment

    def _key(self, sid: uuid.UUID) -> Any:
        return sid.hex if self.sqlite else sid

    def _store_batch(self, cursor, device_id: int, unit_id: int, now: dt.datetime,
                     parsed: dict[str, tuple[uuid.UUID, dict]], result: dict) -> None:
        keys = [self._key(sid) for sid, _raw in parsed.values()]
        if self.sqlite:
            known = dict(cursor.execute(
                "SELECT id, device_id FROM responses WHERE id IN "
                f"({', '.join('?' * len(keys))})", keys).fetchall())
        else:
            known = dict(cursor.execute("SELECT id, device_id FROM responses WHERE id = ANY(%s)",
                                        (keys,)).fetchall())
        fresh = []
        for raw_id, (sid, raw) in parsed.items():
            if self._key(sid) not in known:
                fresh.append((raw_id, sid, raw))
            elif known[self._key(sid)] == device_id:
                result["duplicates"].append(raw_id)
            else:
                result["rejected"].append({"id": raw_id, "errors": {"id": ["id_taken"]}})
        if not fresh:
            return
        stamp = self._stamp(now)
        rows = [(self._key(sid), unit_id, self.services[raw["service"]], "kiosk",
                 self.questionnaire_id, raw["locale"], self._stamp(device_time(raw)), stamp,
                 "valid", None, device_id, None, bool(raw.get("partial", False)))
                for _raw_id, sid, raw in fresh]
        sql = (f"INSERT INTO responses ({RESPONSE_COLUMNS}) VALUES "
               f"({', '.join([self.mark] * 13)}) ON CONFLICT (id) DO NOTHING")
        if self.sqlite:
            # The write lock is held since BEGIN IMMEDIATE: every fresh id goes in.
            done = cursor.executemany(sql, rows)
            assert done.rowcount == len(rows), (done.rowcount, len(rows))
            inserted = {self._key(sid) for _raw_id, sid, _raw in fresh}
        else:
            # Another device's concurrent batch could hold the same id: RETURNING says.
            cursor.executemany(sql + " RETURNING id", rows, returning=True)
            inserted = set()
            while True:
                inserted.update(row[0] for row in cursor.fetchall())
                if not cursor.nextset():
                    break
        answers, reasons = [], []
        for raw_id, sid, raw in fresh:
            key = self._key(sid)
            if key not in inserted:
                result["rejected"].append({"id": raw_id, "errors": {"id": ["id_taken"]}})
                continue
            result["accepted"].append(raw_id)
            answers += [(key, code, value) for code, value in raw["answers"].items()]
            reasons += [(key, code) for code in sorted(set(raw.get("reasons", [])))]
        marks = f"({self.mark}, {self.mark}, {self.mark})"
        if answers:
            cursor.executemany(
                f"INSERT INTO answers (response_id, item_code, value) VALUES {marks}", answers)
        if reasons:
            cursor.executemany("INSERT INTO response_reasons (response_id, reason_code) "
                               f"VALUES ({self.mark}, {self.mark})", reasons)


def device_time(raw: dict) -> dt.datetime:
    """The item's ``submitted_at`` as naive UTC, the app's storage (checked already)."""
    moment = dt.datetime.fromisoformat(raw["submitted_at"])
    return moment.astimezone(dt.timezone.utc).replace(tzinfo=None)


def check_item(store: Store, raw: Any,
               now: dt.datetime) -> tuple[Optional[uuid.UUID], dict[str, list[str]]]:
    """(id, {}) for an item the bulk insert can take, else (None, field → error codes)."""
    if not isinstance(raw, dict):
        return None, {"": ["not_an_object"]}
    errors: dict[str, list[str]] = {}
    sid = None
    try:
        sid = uuid.UUID(raw["id"])
    except (KeyError, TypeError, ValueError, AttributeError):
        errors["id"] = ["not_a_uuid"]
    try:
        moment = dt.datetime.fromisoformat(raw["submitted_at"])
        if moment.tzinfo is None:
            errors["submitted_at"] = ["offset_required"]
        elif not EARLIEST <= moment <= now.replace(tzinfo=dt.timezone.utc) + dt.timedelta(
                minutes=10):
            errors["submitted_at"] = ["out_of_range"]
    except (KeyError, TypeError, ValueError):
        errors["submitted_at"] = ["not_iso8601"]
    if raw.get("questionnaire_version") != store.version:
        errors["questionnaire_version"] = ["unknown_version"]
    if raw.get("service") not in store.services:
        errors["service"] = ["unknown_service"]
    if raw.get("locale") not in ("vi", "en"):
        errors["locale"] = ["unknown_locale"]
    answers, reasons = raw.get("answers"), raw.get("reasons", [])
    if not isinstance(answers, dict) or not answers:
        errors["answers"] = ["required"]
    else:
        for code, value in answers.items():
            values = store.values.get(code)
            if values is None or (value is None and code in store.required) or (
                    value is not None and (isinstance(value, bool) or value not in values)):
                errors.setdefault(f"answers.{code}", []).append("out_of_range")
    if not isinstance(reasons, list) or not set(reasons) <= store.reasons:
        errors["reasons"] = ["invalid"]
    return (None if errors else sid), errors


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

    @app.post("/api/v1/responses")
    def kiosk_batch():
        scheme, _sep, token = request.headers.get("Authorization", "").partition(" ")
        device = (store().device(token.strip())
                  if scheme.lower() == "bearer" and token.strip() else None)
        if device is None:
            return jsonify(type="unauthorized"), 401
        body = request.get_json(silent=True)
        items = body.get("responses") if isinstance(body, dict) else None
        if not isinstance(items, list):
            return jsonify(type="invalid_body"), 400
        if len(items) > MAX_BATCH:
            return jsonify(type="batch_too_large", max_batch=MAX_BATCH), 413
        result = store().ingest(device, items)
        if result["rejected"] and not (result["accepted"] or result["duplicates"]):
            return jsonify(type="all_rejected", **result), 422
        return jsonify(result)

    return app


app = create_app() if "BARE_DATABASE_URL" in os.environ else None
