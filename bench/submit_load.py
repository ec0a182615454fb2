"""The claimant's submission under load: this app against a bare endpoint, same run.

    .venv/bin/python bench/submit_load.py                 # both databases, 3 rounds × 15 s
    .venv/bin/python bench/submit_load.py --quick         # 2 rounds × 5 s (make bench)
    .venv/bin/python bench/submit_load.py --db sqlite --seconds 2 --rounds 1 --clients 2

Per database (SQLite in a temporary folder, WAL as the app configures it; PostgreSQL in
a database ``survey_bench_<pid>`` created and dropped on the server of
``--postgresql-url``), the schema is migrated with ``flask --app wsgi db upgrade`` and
the demo data loaded with ``flask --app wsgi survey seed-demo`` (the current
questionnaire, v2, asks one rated item per dimension). Two gunicorn servers, 2 sync
workers each, then serve the same database: the app, and the bare endpoint of
bench/bare_app.py (Flask + sqlite3/psycopg: a static form, one INSERT of the response and
its answers in one durable transaction, a 303 to a tiny page).

``--clients`` threads (bench/load_client.py) submit as fast as they can: each
submission is GET the form at ``/s/NA-VINH/Q1?svc=ui_apply`` + POST it (every ``q_*``
group answered) + follow the redirect. After a short warm-up of each, the two are
driven in alternating rounds (app, bare; then bare, app; …) so that the machine's other
jobs weigh on both alike. Reported per target: submissions acknowledged (303) per
second, p50/p95 latency of a whole submission, CPU of the gunicorn processes (master and
workers, from /proc) per submission, on PostgreSQL also the CPU of its backends serving
that database, and the client's own CPU; then the ratios app / bare.

Row check after every phase, warm-ups included: every acknowledged submission is stored
exactly once with one answer per item posted (0 lost, 0 doubled), no other row appears
and no earlier response changes. Exit status 1 if that fails anywhere.
"""
from __future__ import annotations

import argparse
import os
import platform
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterator, Optional, TypeVar
from urllib.parse import urlsplit, urlunsplit

from load_client import Load, drive, percentile

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.support.live import free_port  # noqa: E402

PATH = "/s/NA-VINH/Q1?svc=ui_apply"
WORKERS = 2
TICK = os.sysconf("SC_CLK_TCK")
T = TypeVar("T")
POSTGRESQL_URL = os.environ.get("SURVEY_BENCH_POSTGRESQL_URL",
                                "postgresql://postgres@127.0.0.1:5432/test")


# --- databases ------------------------------------------------------------------------

class SqliteDatabase:
    label = "SQLite (WAL, synchronous FULL)"

    def __init__(self, folder: Path):
        self.path = folder / "bench.sqlite"
        self.url = f"sqlite:///{self.path}"

    def create(self) -> None:
        pass

    def drop(self) -> None:
        pass

    def query(self, sql: str) -> list:
        with sqlite3.connect(self.path, timeout=30) as conn:
            rows = conn.execute(sql).fetchall()
        conn.close()
        return rows

    def backend_pids(self) -> list[int]:
        return []  # SQLite runs inside the workers: their CPU includes it

    def describe(self) -> str:
        return f"SQLite {sqlite3.sqlite_version}"


class PostgresDatabase:
    label = "PostgreSQL"

    def __init__(self, admin_url: str):
        self.admin_url = admin_url
        self.name = f"survey_bench_{os.getpid()}"
        parts = urlsplit(admin_url)
        self.dsn = urlunsplit(parts._replace(path="/" + self.name))
        self.url = urlunsplit(parts._replace(scheme="postgresql+psycopg", path="/" + self.name))

    def _admin(self, sql: str) -> None:
        import psycopg

        with psycopg.connect(self.admin_url, autocommit=True) as conn:
            conn.execute(sql)

    def create(self) -> None:
        import psycopg

        try:
            self._admin(f"DROP DATABASE IF EXISTS {self.name} WITH (FORCE)")
        except psycopg.OperationalError as exc:
            raise SystemExit(f"PostgreSQL not reachable at {self.admin_url} ({exc}); set "
                             "--postgresql-url or SURVEY_BENCH_POSTGRESQL_URL, or use --db sqlite")
        self._admin(f"CREATE DATABASE {self.name}")

    def drop(self) -> None:
        self._admin(f"DROP DATABASE IF EXISTS {self.name} WITH (FORCE)")

    def query(self, sql: str, params: tuple = ()) -> list:
        import psycopg

        with psycopg.connect(self.dsn) as conn:
            return conn.execute(sql, params).fetchall()

    def backend_pids(self) -> list[int]:
        return [pid for (pid,) in self.query(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
            "AND pid <> pg_backend_pid()")]

    def describe(self) -> str:
        settings = dict(self.query(
            "SELECT name, setting FROM pg_settings WHERE name IN "
            "('server_version', 'fsync', 'synchronous_commit')"))
        return (f"PostgreSQL {settings['server_version']} (fsync {settings['fsync']}, "
                f"synchronous_commit {settings['synchronous_commit']})")


def stored(database) -> dict[str, int]:
    """Response id (hex) → its number of answers, for every stored response."""
    rows = database.query("SELECT r.id, COUNT(a.item_code) FROM responses r LEFT JOIN answers a "
                          "ON a.response_id = r.id GROUP BY r.id")
    return {uuid.UUID(str(key)).hex: n for key, n in rows}


def prepare(database, env: dict[str, str]) -> None:
    """Migrate the empty database and load the demo data, as an operator would."""
    for command in (["db", "upgrade"], ["survey", "seed-demo"]):
        done = subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", *command],
                              cwd=ROOT, env=env, capture_output=True, text=True)
        if done.returncode:
            raise RuntimeError(f"flask {' '.join(command)} failed:\n{done.stderr[-2000:]}")


# --- servers --------------------------------------------------------------------------

def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a live process, 0 once it has gone."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
    except (FileNotFoundError, ProcessLookupError):
        return 0.0
    return (int(fields[11]) + int(fields[12])) / TICK


class Gunicorn:
    """``WORKERS`` sync workers serving ``spec`` on a free loopback port."""

    def __init__(self, name: str, spec: str, env: dict[str, str], log: Path,
                 pythonpath: Optional[Path] = None):
        self.name, self.spec, self.env, self.log = name, spec, env, log
        self.pythonpath = pythonpath
        self.url = f"http://127.0.0.1:{free_port()}"
        self.process: Optional[subprocess.Popen] = None

    def start(self) -> None:
        extra = ["--pythonpath", str(self.pythonpath)] if self.pythonpath else []
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "gunicorn", "--workers", str(WORKERS), "--bind",
                 self.url.removeprefix("http://"), "--timeout", "120", "--max-requests", "0", *extra, self.spec],
                cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT)

    def wait_ready(self) -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process is None or self.process.poll() is not None:
                break
            try:
                urllib.request.urlopen(self.url + PATH, timeout=5).read()
                if len(self.workers()) == WORKERS:
                    return
            except OSError:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"{self.name} did not start: {self.log.read_text()[-2000:]}")

    def workers(self) -> list[int]:
        assert self.process is not None
        pid = self.process.pid
        try:
            with open(f"/proc/{pid}/task/{pid}/children") as children:
                return [int(child) for child in children.read().split()]
        except FileNotFoundError:
            return []

    def pids(self) -> list[int]:
        assert self.process is not None
        return [self.process.pid, *self.workers()]

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None


@contextmanager
def serving(servers: list[Gunicorn]) -> Iterator[None]:
    with ExitStack() as stack:
        for server in servers:
            stack.callback(server.stop)
            server.start()
        for server in servers:
            server.wait_ready()
        yield


# --- phases ---------------------------------------------------------------------------

@dataclass
class RowCheck:
    new_responses: int = 0
    new_answers: int = 0
    acknowledged: int = 0
    lost: int = 0
    #: Stored more than once, with more answers than posted, or never submitted.
    doubled: int = 0
    #: Stored with fewer answers than posted.
    incomplete: int = 0
    #: Earlier responses whose answers changed.
    changed: int = 0
    #: Stored although the client got no 303 (a timeout, say): allowed, reported.
    unacknowledged_stored: int = 0

    @property
    def ok(self) -> bool:
        return not (self.lost or self.doubled or self.incomplete or self.changed)

    def __str__(self) -> str:
        return (f"+{self.new_responses} responses, +{self.new_answers} answers; "
                f"{self.acknowledged} acknowledged: {self.lost} lost, {self.doubled} doubled, "
                f"{self.incomplete} incomplete, {self.changed} earlier changed, "
                f"{self.unacknowledged_stored} stored unacknowledged -> "
                + ("ok" if self.ok else "FAILED"))


def check_rows(before: dict[str, int], after: dict[str, int], load: Load) -> RowCheck:
    posted = {uuid.UUID(o.submission_id).hex: o for o in load.outcomes if o.submission_id}
    new = {key: n for key, n in after.items() if key not in before}
    check = RowCheck(new_responses=len(new), new_answers=sum(new.values()),
                     acknowledged=len(load.acknowledged))
    check.changed = sum(after.get(key) != n for key, n in before.items())
    for key, outcome in posted.items():
        n = new.get(key)
        if outcome.acknowledged and n is None:
            check.lost += 1
        elif n is not None and n > outcome.answers:
            check.doubled += 1
        elif n is not None and n < outcome.answers:
            check.incomplete += 1
        elif n is not None and not outcome.acknowledged:
            check.unacknowledged_stored += 1
    # Ids submitted twice, and rows no client submitted.
    check.doubled += len(load.acknowledged) - len({o.submission_id for o in load.acknowledged})
    check.doubled += sum(key not in posted for key in new)
    return check


@dataclass
class Phase:
    target: str
    load: Load
    server_cpu: float
    database_cpu: Optional[float]
    rows: RowCheck

    @property
    def rate(self) -> float:
        return len(self.load.acknowledged) / self.load.wall if self.load.wall else 0.0


def run_phase(target: str, server: Gunicorn, database, clients: int, seconds: float) -> Phase:
    before = stored(database)
    load, server_cpu, database_cpu = measured(
        target, server, database, lambda: drive(server.url, PATH, clients, seconds))
    rows = check_rows(before, stored(database), load)
    return Phase(target, load, server_cpu, database_cpu, rows)


def measured(target: str, server: Gunicorn, database,
             work: Callable[[], T]) -> tuple[T, float, Optional[float]]:
    """(what ``work()`` returned, CPU seconds of ``server``'s gunicorn processes meanwhile,
    of the database's backends on PostgreSQL, else None)."""
    pids, backends = server.pids(), database.backend_pids()
    cpu0 = {pid: cpu_seconds(pid) for pid in pids}
    db0 = {pid: cpu_seconds(pid) for pid in backends}
    result = work()
    if server.pids() != pids:
        print(f"  warning: {target}'s gunicorn processes changed during the phase")
    server_cpu = sum(cpu_seconds(pid) - cpu0[pid] for pid in pids)
    # Backends opened during the phase are counted from 0; closed ones are lost.
    after_backends = database.backend_pids()
    database_cpu = (sum(cpu_seconds(pid) - db0.get(pid, 0.0) for pid in after_backends)
                    if after_backends else None)
    return result, server_cpu, database_cpu


def show(phase: Phase, label: str) -> None:
    load, n = phase.load, max(1, len(phase.load.acknowledged))
    latencies = [o.latency for o in load.acknowledged]
    errors = sorted({o.error for o in load.errors})
    print(f"  {label:<9} {phase.target:<4} {phase.rate:7.1f} submissions/s  "
          f"p50 {percentile(latencies, 0.5) * 1000:6.0f} ms  "
          f"p95 {percentile(latencies, 0.95) * 1000:6.0f} ms  "
          f"server CPU {phase.server_cpu / n * 1000:5.1f} ms/submission  "
          f"client CPU {load.client_cpu / n * 1000:4.1f} ms ({load.client_cpu / load.wall:.0%} "
          f"of a core)" + (f"  errors {len(load.errors)}: {', '.join(errors[:3])}"
                           if errors else ""))
    print(f"            rows: {phase.rows}")


# --- the run --------------------------------------------------------------------------

@dataclass
class Summary:
    phases: dict[str, list[Phase]] = field(default_factory=lambda: {"app": [], "bare": []})

    def total(self, target: str) -> dict[str, float]:
        phases = self.phases[target]
        acked = [o for p in phases for o in p.load.acknowledged]
        n = max(1, len(acked))
        wall = sum(p.load.wall for p in phases)
        latencies = [o.latency for o in acked]
        database_cpu = [p.database_cpu for p in phases if p.database_cpu is not None]
        return {
            "rate": len(acked) / wall if wall else 0.0,
            "p50": percentile(latencies, 0.5) * 1000,
            "p95": percentile(latencies, 0.95) * 1000,
            "server_cpu": sum(p.server_cpu for p in phases) / n * 1000,
            "database_cpu": (sum(database_cpu) / n * 1000 if database_cpu else float("nan")),
            "client_cpu": sum(p.load.client_cpu for p in phases) / n * 1000,
            "client_share": sum(p.load.client_cpu for p in phases) / wall if wall else 0.0,
            "errors": sum(len(p.load.errors) for p in phases),
        }


def report(label: str, summary: Summary, postgres: bool) -> None:
    app, bare = summary.total("app"), summary.total("bare")

    def ratio(key: str) -> str:
        return f"{app[key] / bare[key]:.2f}" if bare[key] else "–"

    rows = [("submissions/s", "rate", "{:.1f}"), ("p50 latency, ms", "p50", "{:.0f}"),
            ("p95 latency, ms", "p95", "{:.0f}"),
            ("gunicorn CPU per submission, ms", "server_cpu", "{:.1f}")]
    if postgres:
        rows.append(("PostgreSQL backends' CPU per submission, ms", "database_cpu", "{:.1f}"))
    rows.append(("client CPU per submission, ms", "client_cpu", "{:.1f}"))
    print(f"\n{label}\n\n| | app | bare | app / bare |\n|---|---|---|---|")
    for name, key, fmt in rows:
        print(f"| {name} | {fmt.format(app[key])} | {fmt.format(bare[key])} | {ratio(key)} |")
    rounds = [a.rate / b.rate for a, b in zip(summary.phases["app"], summary.phases["bare"])
              if b.rate]
    print(f"| client CPU, share of one core | {app['client_share']:.0%} | "
          f"{bare['client_share']:.0%} | |")
    print(f"| errors (no 303) | {app['errors']:.0f} | {bare['errors']:.0f} | |")
    print(f"\nratio app / bare, submissions/s: {ratio('rate')} "
          f"(per round: {', '.join(f'{r:.2f}' for r in rounds)})")


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
        servers = {"app": app, "bare": bare}
        summary, ok = Summary(), True
        with serving([app, bare]):
            print(f"\n{database.label}: {database.describe()}; migrated, seeded and started in "
                  f"{time.perf_counter() - start:.1f} s")
            plan = [("warm-up", t, args.warmup) for t in ("app", "bare")] + [
                (f"round {r + 1}", t, args.seconds) for r in range(args.rounds)
                for t in (("app", "bare") if r % 2 == 0 else ("bare", "app"))]
            for label, target, seconds in plan:
                if seconds <= 0:
                    continue
                phase = run_phase(target, servers[target], database, args.clients, seconds)
                show(phase, label)
                if not phase.load.acknowledged:
                    print(f"  no submission acknowledged by {target}: see {folder}/*.log")
                ok = ok and phase.rows.ok and bool(phase.load.acknowledged)
                if label != "warm-up":
                    summary.phases[target].append(phase)
        report(f"{database.label}, {args.rounds} round(s) × {args.seconds:g} s, "
               f"{args.clients} clients, gunicorn {WORKERS} sync workers each",
               summary, kind == "postgresql")
        print(f"row checks: {'all passed' if ok else 'FAILED'}")
        return ok
    finally:
        database.drop()


def parse(argv: Optional[list[str]]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--seconds", type=float, default=15.0, help="per target and round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--warmup", type=float, default=2.0, help="seconds per target, not "
                        "reported (rows still checked)")
    parser.add_argument("--quick", action="store_true", help="2 rounds × 5 s (make bench)")
    parser.add_argument("--postgresql-url", default=POSTGRESQL_URL,
                        help="a database on the server where survey_bench_<pid> is created "
                        "(default: $SURVEY_BENCH_POSTGRESQL_URL or %(default)s)")
    args = parser.parse_args(argv)
    if args.quick:
        args.rounds, args.seconds, args.warmup = 2, 5.0, 1.0
    return args


def main(argv: Optional[list[str]] = None) -> int:
    args = parse(argv)
    start = time.perf_counter()
    print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f} "
          f"{os.getloadavg()[1]:.2f} {os.getloadavg()[2]:.2f}; Python "
          f"{platform.python_version()}; URL {PATH}")
    kinds = ["sqlite", "postgresql"] if args.db == "both" else [args.db]
    ok = True
    for kind in kinds:
        with tempfile.TemporaryDirectory(prefix="submit_load_") as folder:
            ok = bench_database(kind, args, Path(folder)) and ok
    print(f"\ntotal {time.perf_counter() - start:.0f} s; load average now "
          f"{os.getloadavg()[0]:.2f}; row checks {'passed' if ok else 'FAILED'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
