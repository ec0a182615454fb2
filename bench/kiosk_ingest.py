"""Kiosk batch ingest under load: the app's POST /api/v1/responses against a bare bulk insert.

    .venv/bin/python bench/kiosk_ingest.py                # both databases, 3 rounds × 5 s
    .venv/bin/python bench/kiosk_ingest.py --quick        # 2 rounds × 2 s (make bench)
    .venv/bin/python bench/kiosk_ingest.py --db sqlite --seconds 1 --rounds 1 --clients 2
    .venv/bin/python bench/kiosk_queue.py --ingest ...    # the same

The kiosk half of issue 11, set up as bench/submit_load.py is (whose databases, gunicorn
servers, CPU accounting and row check it reuses): per database (SQLite in a temporary
folder; PostgreSQL in ``survey_bench_<pid>``, created and dropped), ``flask db upgrade``
and ``flask survey seed-demo``, then two gunicorn servers with 2 sync workers each on
that database: the app, and bench/bare_app.py, whose ``POST /api/v1/responses`` does the
same durable work with sqlite3/psycopg and nothing else (token look-up, minimal checks,
the device's ``last_seen_at``, one query for known ids, one executemany INSERT per
table with ``ON CONFLICT (id) DO NOTHING``, one durable commit).

Kiosks: ``--clients`` per target, added with the app's own service (one process for all)
and paired through the app's ``POST /api/v1/kiosk/pair``; the bare server finds their
tokens in ``kiosk_devices`` by the hash the app stored. One client thread drives one
kiosk, as a kiosk's sender does (one batch at a time), so batches of different kiosks
run concurrently and those of one kiosk never do. Each batch holds fresh responses to
the current questionnaire (v2, fetched from the app's ``/api/v1/questionnaire``): the
overall question, one rated item per dimension (matrix sampling), the facts, two
reasons when a rating is 3 or less; device times 30 s apart per kiosk, in the past.

For each batch size (``--batches``, default 50 and 500): a warm-up of each target, then
alternating rounds (app, bare; bare, app; …). Reported per target: responses stored per
second, p50/p95 latency of a batch, CPU of the gunicorn processes per response, on
PostgreSQL also its backends' CPU, the client's CPU; then the ratio app / bare.

Row check after every phase, warm-ups included (bench/submit_load.py's ``check_rows``):
every accepted id stored exactly once with one answer row per answer sent, nothing
stored that no batch sent, no earlier response changed; and every new row carries the
sending kiosk, channel ``kiosk``, status ``valid`` and the reasons sent. Any rejected
item or duplicate in a fresh batch counts as an error. Finally one batch already
accepted is re-sent to each target: all its ids must come back as duplicates and no row
may change. Exit status 1 if anything fails.
"""
from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import http.client
import itertools
import json
import os
import platform
import random
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Optional, cast
from urllib.parse import urlsplit

from bare_app import KIND_VALUES
from load_client import Load, Outcome, percentile, run_clients
from submit_load import (POSTGRESQL_URL, ROOT, WORKERS, Gunicorn, PostgresDatabase,
                         RowCheck, SqliteDatabase, check_rows, measured, prepare, serving)

VIETNAM = dt.timezone(dt.timedelta(hours=7))
#: Device clocks start here and move 30 s per response: days of queue, all in the past.
CLOCK_START = dt.datetime(2025, 6, 2, 7, 30, tzinfo=VIETNAM)
UNIT = "NA-VINH-Q3"
TIMEOUT = 120
ADD_KIOSKS = """
import json, sys
from survey import create_app
from survey.extensions import db
from survey.services.devices import kiosks
app = create_app()
with app.app_context():
    codes = [kiosks.add_device(db.session, sys.argv[1], name)[1] for name in sys.argv[2:]]
    db.session.commit()
print(json.dumps(codes))
"""


# --- kiosks and their batches -----------------------------------------------------------

def post_json(url: str, path: str, body: bytes, token: str = "") -> tuple[int, dict]:
    headers = {"Content-Type": "application/json", "Accept": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    conn = http.client.HTTPConnection(urlsplit(url).netloc, timeout=TIMEOUT)
    try:
        conn.request("POST", path, body=body, headers=headers)
        response = conn.getresponse()
        data = response.read()
    finally:
        conn.close()
    try:
        return response.status, json.loads(data)
    except ValueError:
        return response.status, {}


def pair_kiosks(app: Gunicorn, env: dict[str, str], names: list[str]) -> list[str]:
    """Device tokens of new kiosks at ``UNIT``: added by the app's service, paired through
    the app's API."""
    done = subprocess.run([sys.executable, "-c", ADD_KIOSKS, UNIT, *names], cwd=ROOT, env=env,
                          capture_output=True, text=True)
    if done.returncode:
        raise RuntimeError(f"adding kiosks failed:\n{done.stderr[-2000:]}")
    tokens = []
    for code in json.loads(done.stdout.strip().splitlines()[-1]):
        status, reply = post_json(app.url, "/api/v1/kiosk/pair",
                                  json.dumps({"code": code}).encode())
        if status != 200:
            raise RuntimeError(f"pairing failed: {status} {reply}")
        tokens.append(reply["token"])
    return tokens


@dataclass
class Questionnaire:
    """What a kiosk needs to fill in the current version."""

    version: int
    #: (code, values, required) of the items every claimant is asked: the overall
    #: question and the facts (every item, without matrix sampling).
    plain: list[tuple[str, tuple[int, ...], bool]]
    #: The rated items of each dimension, of which a claimant is asked one.
    dimensions: list[list[str]]
    services: list[str]
    reasons: list[str]
    #: Codes of the rated items (a rating of 3 or less comes with two reasons).
    rated: set[str] = field(default_factory=set)

    @classmethod
    def fetch(cls, url: str) -> "Questionnaire":
        conn = http.client.HTTPConnection(urlsplit(url).netloc, timeout=TIMEOUT)
        try:
            conn.request("GET", "/api/v1/questionnaire")
            body = json.loads(conn.getresponse().read())
        finally:
            conn.close()
        return cls.from_payload(body)

    @classmethod
    def from_payload(cls, body: dict) -> "Questionnaire":
        """From the app's ``GET /api/v1/questionnaire``."""
        plain, dimensions = [], {}  # type: ignore[var-annotated]
        for item in body["items"]:
            if item["kind"] == "rating" and item["dimension"] and body["matrix_sampling"]:
                dimensions.setdefault(item["dimension"], []).append(item["code"])
            else:
                plain.append((item["code"], KIND_VALUES[item["kind"]], item["required"]))
        return cls(body["version"], plain, list(dimensions.values()),
                   [s["code"] for s in body["services"]], [r["code"] for r in body["reasons"]],
                   {item["code"] for item in body["items"] if item["kind"] == "rating"})

    def answers(self, rng: random.Random) -> tuple[dict[str, Optional[int]], list[str]]:
        """A plausible claimant's answers, as the kiosk asks them, and reasons: two when
        a rating is 3 or less."""
        answers = {code: rng.choice([*values, *values[-2:]] if required else
                                    [*values, *values[-2:], None])
                   for code, values, required in self.plain}
        for codes in self.dimensions:
            answers[rng.choice(codes)] = rng.choice([1, 2, 3, 4, 4, 5, 5, 5, None])
        low = any(value is not None and value <= 3 and code in self.rated
                  for code, value in answers.items())
        return answers, rng.sample(self.reasons, 2) if low else []


class Kiosk:
    """One paired device's sender: batches of fresh responses, device times 30 s apart."""

    def __init__(self, token: str, questionnaire: Questionnaire, seed: int):
        self.token, self.q = token, questionnaire
        self.rng = random.Random(seed)
        self.clock = itertools.count()
        #: The last batch the target accepted (re-sent once at the end).
        self.last: Optional[tuple[bytes, list[str]]] = None

    def response(self) -> dict:
        rng = self.rng
        answers, reasons = self.q.answers(rng)
        at = CLOCK_START + dt.timedelta(seconds=30 * next(self.clock))
        return {"id": str(uuid.uuid4()), "questionnaire_version": self.q.version,
                "service": rng.choice(self.q.services), "submitted_at": at.isoformat(),
                "locale": rng.choice(["vi", "vi", "vi", "en"]), "answers": answers,
                "reasons": reasons, "partial": False}

    def send(self, url: str, size: int) -> "Batch":
        items = [self.response() for _ in range(size)]
        body = json.dumps({"responses": items}).encode()
        sent = [(i["id"], len(i["answers"]), len(i["reasons"])) for i in items]
        start = time.perf_counter()
        try:
            status, reply = post_json(url, "/api/v1/responses", body, self.token)
        except (OSError, http.client.HTTPException) as exc:
            return Batch(time.perf_counter() - start, self, sent, error=type(exc).__name__)
        batch = Batch(time.perf_counter() - start, self, sent, status=status,
                      accepted=set(reply.get("accepted", [])),
                      duplicates=len(reply.get("duplicates", [])),
                      rejected=reply.get("rejected", []))
        if status == 200:
            self.last = (body, [i["id"] for i in items])
        else:
            batch.error = f"HTTP {status}"
        return batch


@dataclass
class Batch:
    """One batch posted: what the target answered."""

    latency: float
    kiosk: Kiosk
    #: (id, answers, reasons) of every item sent.
    sent: list[tuple[str, int, int]]
    status: int = 0
    accepted: set[str] = field(default_factory=set)
    duplicates: int = 0
    rejected: list = field(default_factory=list)
    error: str = ""

    @property
    def acknowledged(self) -> bool:
        return self.status == 200


# --- row checks ---------------------------------------------------------------------------

def stored(database) -> dict[str, tuple]:
    """Response id (hex) → (answers, reasons, device id, channel, status)."""
    rows = database.query(
        "SELECT r.id, (SELECT COUNT(*) FROM answers a WHERE a.response_id = r.id), "
        "(SELECT COUNT(*) FROM response_reasons x WHERE x.response_id = r.id), "
        "r.device_id, r.channel, r.status FROM responses r")
    return {uuid.UUID(str(key)).hex: tuple(rest) for key, *rest in rows}


@dataclass
class KioskCheck:
    rows: RowCheck
    #: New rows with another device, channel, status or number of reasons than sent.
    wrong: int = 0

    @property
    def ok(self) -> bool:
        return self.rows.ok and not self.wrong

    def __str__(self) -> str:
        text = str(self.rows)
        if self.wrong:
            text = text.replace(" -> ok", " -> FAILED")
        return text.replace(" -> ", f", {self.wrong} with wrong device/channel/status/reasons -> ")


def check_batches(before: dict[str, tuple], after: dict[str, tuple], batches: list[Batch],
                  device_ids: dict[str, int]) -> KioskCheck:
    """check_rows on the items sent (accepted = acknowledged), plus each new row's kiosk,
    channel, status and reasons."""
    items = [Outcome(b.latency, b.acknowledged and sid in b.accepted, sid, answers)
             for b in batches for sid, answers, _reasons in b.sent]
    rows = check_rows({k: v[0] for k, v in before.items()}, {k: v[0] for k, v in after.items()},
                      Load(outcomes=items))
    wrong = 0
    for b in batches:
        for sid, _answers, reasons in b.sent:
            row = after.get(uuid.UUID(sid).hex)
            if row is not None and uuid.UUID(sid).hex not in before and row[1:] != (
                    reasons, device_ids[b.kiosk.token], "kiosk", "valid"):
                wrong += 1
    return KioskCheck(rows, wrong)


# --- phases -------------------------------------------------------------------------------

@dataclass
class Phase:
    target: str
    size: int
    load: Load
    server_cpu: float
    database_cpu: Optional[float]
    check: KioskCheck

    @property
    def batches(self) -> list[Batch]:
        return cast(list[Batch], self.load.outcomes)  # what Kiosk.send returned

    @property
    def acknowledged(self) -> list[Batch]:
        return [b for b in self.batches if b.acknowledged]

    @property
    def errors(self) -> list[Batch]:
        return [b for b in self.batches if b.error]

    @property
    def accepted(self) -> int:
        return sum(len(b.accepted) for b in self.acknowledged)

    @property
    def rate(self) -> float:
        return self.accepted / self.load.wall if self.load.wall else 0.0

    @property
    def refused(self) -> int:
        """Items rejected or called duplicates in batches of fresh responses."""
        return sum(len(b.rejected) + b.duplicates for b in self.batches)


class Bench:
    """One database with both servers started and their kiosks paired."""

    def __init__(self, database, servers: dict[str, Gunicorn],
                 kiosks: dict[str, list[Kiosk]], device_ids: dict[str, int]):
        self.database, self.servers, self.kiosks = database, servers, kiosks
        self.device_ids = device_ids
        self.rows = stored(database)

    def phase(self, target: str, size: int, seconds: float) -> Phase:
        server, before = self.servers[target], self.rows
        steps = [partial(kiosk.send, server.url, size) for kiosk in self.kiosks[target]]
        load, server_cpu, database_cpu = measured(
            target, server, self.database, lambda: run_clients(steps, seconds))
        self.rows = stored(self.database)
        check = check_batches(before, self.rows, cast(list[Batch], load.outcomes),
                              self.device_ids)
        return Phase(target, size, load, server_cpu, database_cpu, check)

    def resend(self, target: str) -> bool:
        """Post a batch already accepted once more: all duplicates, no row changed."""
        kiosk = next((k for k in self.kiosks[target] if k.last), None)
        if kiosk is None or kiosk.last is None:
            print(f"  re-send to {target}: no batch accepted to re-send -> FAILED")
            return False
        body, ids = kiosk.last
        status, reply = post_json(self.servers[target].url, "/api/v1/responses", body,
                                  kiosk.token)
        after = stored(self.database)
        same = after == self.rows
        ok = (status == 200 and sorted(reply.get("duplicates", [])) == sorted(ids)
              and not reply.get("accepted") and not reply.get("rejected") and same)
        print(f"  re-send   {target:<4} a batch of {len(ids)} already accepted: HTTP {status}, "
              f"{len(reply.get('accepted', []))} accepted, {len(reply.get('duplicates', []))} "
              f"duplicates, {len(reply.get('rejected', []))} rejected; rows "
              f"{'unchanged' if same else 'CHANGED'} -> {'ok' if ok else 'FAILED'}")
        self.rows = after
        return ok


def show(phase: Phase, label: str) -> None:
    load, n = phase.load, max(1, phase.accepted)
    latencies = [b.latency for b in phase.acknowledged]
    errors = sorted({b.error for b in phase.errors})
    rejected = [r for b in phase.batches for r in b.rejected]
    print(f"  {label:<9} {phase.target:<4} {phase.rate:7.1f} responses/s  "
          f"{len(phase.acknowledged):4d} batches  "
          f"p50 {percentile(latencies, 0.5) * 1000:6.0f} ms  "
          f"server CPU {phase.server_cpu / n * 1000:5.2f} ms/response"
          + (f"  db CPU {phase.database_cpu / n * 1000:5.2f}" if phase.database_cpu is not None
             else "")
          + f"  client CPU {load.client_cpu / n * 1000:4.2f} ms"
          + (f"  errors {len(phase.errors)}: {', '.join(errors[:3])}" if errors else "")
          + (f"  refused {phase.refused}: {json.dumps(rejected[:1])[:300]}"
             if phase.refused else ""))
    print(f"            rows: {phase.check}")


def totals(phases: list[Phase]) -> dict[str, float]:
    n = max(1, sum(p.accepted for p in phases))
    wall = sum(p.load.wall for p in phases)
    latencies = [b.latency for p in phases for b in p.acknowledged]
    database_cpu = [p.database_cpu for p in phases if p.database_cpu is not None]
    return {
        "rate": sum(p.accepted for p in phases) / wall if wall else 0.0,
        "p50": percentile(latencies, 0.5) * 1000,
        "p95": percentile(latencies, 0.95) * 1000,
        "server_cpu": sum(p.server_cpu for p in phases) / n * 1000,
        "database_cpu": sum(database_cpu) / n * 1000 if database_cpu else float("nan"),
        "client_cpu": sum(p.load.client_cpu for p in phases) / n * 1000,
        "errors": sum(len(p.errors) + p.refused for p in phases),
    }


def report(label: str, phases: dict[str, list[Phase]], postgres: bool) -> None:
    app, bare = totals(phases["app"]), totals(phases["bare"])

    def ratio(key: str) -> str:
        return f"{app[key] / bare[key]:.2f}" if bare[key] else "–"

    rows = [("responses/s", "rate", "{:.0f}"), ("p50 batch latency, ms", "p50", "{:.0f}"),
            ("p95 batch latency, ms", "p95", "{:.0f}"),
            ("gunicorn CPU per response, ms", "server_cpu", "{:.2f}")]
    if postgres:
        rows.append(("PostgreSQL backends' CPU per response, ms", "database_cpu", "{:.2f}"))
    rows += [("client CPU per response, ms", "client_cpu", "{:.2f}"),
             ("errors (failed batches, refused items)", "errors", "{:.0f}")]
    print(f"\n{label}\n\n| | app | bare | app / bare |\n|---|---|---|---|")
    for name, key, fmt in rows:
        shown = ratio(key) if key != "errors" else ""
        print(f"| {name} | {fmt.format(app[key])} | {fmt.format(bare[key])} | {shown} |")
    rounds = [a.rate / b.rate for a, b in zip(phases["app"], phases["bare"]) if b.rate]
    size = phases["app"][0].size if phases["app"] else 0
    print(f"\nratio app / bare, responses/s, batches of {size}: {ratio('rate')} "
          f"(per round: {', '.join(f'{r:.2f}' for r in rounds)})")


# --- the run ------------------------------------------------------------------------------

def start_kiosks(database, app: Gunicorn, env: dict[str, str],
                 clients: int) -> tuple[dict[str, list[Kiosk]], dict[str, int]]:
    names = [f"bench {target} {i + 1}" for target in ("app", "bare") for i in range(clients)]
    tokens = pair_kiosks(app, env, names)
    questionnaire = Questionnaire.fetch(app.url)
    kiosks = {"app": [Kiosk(t, questionnaire, i) for i, t in enumerate(tokens[:clients])],
              "bare": [Kiosk(t, questionnaire, 100 + i)
                       for i, t in enumerate(tokens[clients:])]}
    by_hash = {h: i for i, h in database.query("SELECT id, token_hash FROM kiosk_devices "
                                               "WHERE token_hash IS NOT NULL")}
    device_ids = {t: by_hash[hashlib.sha256(t.encode()).hexdigest()] for t in tokens}
    return kiosks, device_ids


def bench_database(kind: str, args, folder: Path) -> bool:
    database = (SqliteDatabase(folder) if kind == "sqlite"
                else PostgresDatabase(args.postgresql_url))
    env = {**os.environ, "SURVEY_DATABASE_URL": database.url, "SURVEY_SECRET_KEY": "bench",
           "SURVEY_INSTANCE_PATH": str(folder / "instance"), "BARE_DATABASE_URL": database.url}
    database.create()
    try:
        start = time.perf_counter()
        prepare(database, env)
        app = Gunicorn("app", "wsgi:app", env, folder / "app.log")
        bare = Gunicorn("bare", "bare_app:app", env, folder / "bare.log",
                        pythonpath=ROOT / "bench")
        ok = True
        with serving([app, bare]):
            kiosks, device_ids = start_kiosks(database, app, env, args.clients)
            bench = Bench(database, {"app": app, "bare": bare}, kiosks, device_ids)
            print(f"\n{database.label}: {database.describe()}; migrated, seeded, started and "
                  f"{2 * args.clients} kiosks paired in {time.perf_counter() - start:.1f} s")
            for size in args.batches:
                print(f"\nbatches of {size}, {args.clients} kiosks per target:")
                phases: dict[str, list[Phase]] = {"app": [], "bare": []}
                plan = [("warm-up", t, args.warmup) for t in ("app", "bare")] + [
                    (f"round {r + 1}", t, args.seconds) for r in range(args.rounds)
                    for t in (("app", "bare") if r % 2 == 0 else ("bare", "app"))]
                for label, target, seconds in plan:
                    if seconds <= 0:
                        continue
                    phase = bench.phase(target, size, seconds)
                    show(phase, label)
                    if not phase.accepted:
                        print(f"  no response accepted by {target}: see {folder}/*.log")
                    ok = ok and phase.check.ok and bool(phase.accepted) and not (
                        phase.errors or phase.refused)
                    if label != "warm-up":
                        phases[target].append(phase)
                report(f"{database.label}, batches of {size}, {args.rounds} round(s) × "
                       f"{args.seconds:g} s, {args.clients} kiosks per target, gunicorn "
                       f"{WORKERS} sync workers each", phases, kind == "postgresql")
            print()
            for target in ("app", "bare"):
                ok = bench.resend(target) and ok
        print(f"row checks: {'all passed' if ok else 'FAILED'}")
        return ok
    finally:
        database.drop()


def parse(argv: Optional[list[str]]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--seconds", type=float, default=5.0, help="per target, batch size "
                        "and round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--clients", type=int, default=4, help="kiosks per target, one "
                        "thread each")
    parser.add_argument("--batches", default="50,500", help="batch sizes, comma-separated "
                        "(the app takes at most 500)")
    parser.add_argument("--warmup", type=float, default=1.0, help="seconds per target and "
                        "batch size, not reported (rows still checked)")
    parser.add_argument("--quick", action="store_true", help="2 rounds × 2 s (make bench)")
    parser.add_argument("--postgresql-url", default=POSTGRESQL_URL,
                        help="a database on the server where survey_bench_<pid> is created "
                        "(default: $SURVEY_BENCH_POSTGRESQL_URL or %(default)s)")
    args = parser.parse_args(argv)
    args.batches = [int(size) for size in args.batches.split(",")]
    if args.quick:
        args.rounds, args.seconds, args.warmup = 2, 2.0, 0.5
    return args


def main(argv: Optional[list[str]] = None) -> int:
    args = parse(argv)
    start = time.perf_counter()
    load = os.getloadavg()
    print(f"machine: {os.cpu_count()} cores, load average {load[0]:.2f} {load[1]:.2f} "
          f"{load[2]:.2f}; Python {platform.python_version()}; POST /api/v1/responses")
    kinds = ["sqlite", "postgresql"] if args.db == "both" else [args.db]
    ok = True
    for kind in kinds:
        with tempfile.TemporaryDirectory(prefix="kiosk_ingest_") as folder:
            ok = bench_database(kind, args, Path(folder)) and ok
    print(f"\ntotal {time.perf_counter() - start:.0f} s; load average now "
          f"{os.getloadavg()[0]:.2f}; row checks {'passed' if ok else 'FAILED'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
