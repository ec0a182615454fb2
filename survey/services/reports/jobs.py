"""Report jobs: generation and approval run in the background, with their progress.

A request files a job (:func:`enqueue`) and answers at once; a runner does the work
(:func:`run_job`): a daemon thread of the worker process that took the request
(:func:`start`, nothing else to install), or ``flask survey report-jobs run`` for jobs
left behind. Only one job per unit and period is queued or running at a time: a second
request gets the running one.

Exactly once: the runner takes a job with a conditional UPDATE (a token of its own) and
writes the version, its audit events and "done" in one transaction whose last statement
only succeeds if the job is still the runner's. A job that fails leaves nothing but its
error; a job whose runner died (no heartbeat for ``SURVEY_REPORT_JOB_STALE_SECONDS``) is
taken again, at most :data:`MAX_ATTEMPTS` times in all, then failed with a message.

Progress is written in transactions of its own (another session, so it is seen while the
work's transaction is still open); the work itself only reads until its last step, so
on SQLite the two never wait for each other.
"""
from __future__ import annotations

import datetime as dt
import logging
import threading
import uuid
from typing import Any, Callable, Optional

import sqlalchemy as sa
from flask import Flask
from flask_babel import force_locale, gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ...extensions import current_session
from ...models import JobKind, JobStatus, ReportJob, ReportVersion, Unit, utcnow
from ..audit import Actor
from ..errors import NotFound, ServiceError
from ..transactions import affected, begin_write
from . import signoff

log = logging.getLogger(__name__)

#: Tries in all (the first run and the retries of a job whose runner died).
MAX_ATTEMPTS = 3
#: Seconds a queued job may wait for its thread before a page view starts another.
QUEUED_GRACE_SECONDS = 15
ACTIVE = (JobStatus.queued, JobStatus.running)

UNEXPECTED = _l("An unexpected error stopped the job; it is in the server's log. Nothing "
                "was saved.")
CONFLICT = _l("Another version of this report was saved at the same time. Nothing was "
              "saved by this job; open the report and try again.")


def active_key(unit_id: int, period: str) -> str:
    return f"{unit_id}:{period}"


def active_job(session: Session, unit_id: int, period: str) -> Optional[ReportJob]:
    return session.scalar(sa.select(ReportJob).where(
        ReportJob.active_key == active_key(unit_id, period))
        .execution_options(populate_existing=True))  # its runner changes it elsewhere


def recent_jobs(session: Session, unit_id: int, period: str, limit: int = 5) -> list[ReportJob]:
    """The unit's latest jobs for ``period``, newest first."""
    return list(session.scalars(sa.select(ReportJob).where(
        ReportJob.unit_id == unit_id, ReportJob.period == period)
        .order_by(ReportJob.created_at.desc(), ReportJob.id.desc()).limit(limit)
        .execution_options(populate_existing=True)))


def enqueue(session: Session, unit: Unit, period: str, kind: JobKind, actor: Actor,
            version_number: Optional[int] = None) -> tuple[ReportJob, bool]:
    """File a job, or return the one already queued or running for the unit and period:
    (the job, whether it is new). The caller commits, then :func:`start`\\ s it."""
    found = active_job(session, unit.id, period)
    if found is not None:
        return found, False
    begin_write(session)
    job = ReportJob(unit_id=unit.id, period=period, kind=kind, status=JobStatus.queued,
                    active_key=active_key(unit.id, period), version_number=version_number,
                    requested_by_id=actor.user_id, requested_by=actor.label, progress=0,
                    step="queued", step_detail="", attempts=0, created_at=utcnow())
    try:
        with session.begin_nested():
            session.add(job)
            session.flush()
    except IntegrityError:  # another request filed one a moment ago: that one it is
        found = active_job(session, unit.id, period)
        if found is None:
            raise
        return found, False
    return job, True


# --- running ----------------------------------------------------------------------------

def _stale_before(config: Any) -> dt.datetime:
    return utcnow() - dt.timedelta(seconds=float(config["REPORT_JOB_STALE_SECONDS"]))


def is_stale(job: ReportJob, config: Any) -> bool:
    """Running without a heartbeat for too long (its runner died), or queued and never
    taken (the thread that should have taken it did not start)."""
    if job.status is JobStatus.running:
        return job.heartbeat_at is None or job.heartbeat_at < _stale_before(config)
    if job.status is JobStatus.queued:
        return job.created_at < utcnow() - dt.timedelta(seconds=QUEUED_GRACE_SECONDS)
    return False


def _write(app: Flask, job_id: int, token: Optional[str], **values: Any) -> int:
    """One UPDATE of the job, committed in a session of its own (another app context);
    with ``token`` only while that runner holds the running job. Rows changed."""
    with app.app_context():
        session = current_session()
        query = sa.update(ReportJob).where(ReportJob.id == job_id)
        if token is not None:
            query = query.where(ReportJob.runner == token,
                                ReportJob.status == JobStatus.running)
        changed = affected(session.execute(query.values(**values)))
        session.commit()
        return changed


def _claim(app: Flask, job_id: int, token: str) -> bool:
    """Take the job if it is queued, or running with a stale heartbeat and tries left; a
    stale job without tries left is failed with a message saying so."""
    now, cutoff = utcnow(), _stale_before(app.config)
    stale = sa.and_(ReportJob.status == JobStatus.running,
                    sa.or_(ReportJob.heartbeat_at.is_(None), ReportJob.heartbeat_at < cutoff))
    with app.app_context():
        session = current_session()
        attempts = session.scalar(sa.select(ReportJob.attempts).where(ReportJob.id == job_id))
        if attempts is not None and attempts >= MAX_ATTEMPTS:
            with force_locale("vi"):
                message = _gave_up(attempts)
            affected(session.execute(sa.update(ReportJob).where(ReportJob.id == job_id, stale)
                                     .values(status=JobStatus.failed, error=message,
                                             step="failed", active_key=None, runner=None,
                                             finished_at=now)))
            session.commit()
            return False
        taken = affected(session.execute(
            sa.update(ReportJob).where(ReportJob.id == job_id,
                                       sa.or_(ReportJob.status == JobStatus.queued, stale))
            .values(status=JobStatus.running, runner=token, attempts=ReportJob.attempts + 1,
                    started_at=now, heartbeat_at=now, step="reading", error=None)))
        session.commit()
        return taken == 1


def _gave_up(attempts: int) -> str:
    return _("The job stopped %(n)s times without finishing (the server was restarted or "
             "its worker stopped). Nothing was saved; start it again, or run "
             "\"flask survey report\" on the server.", n=attempts)


class _Heartbeat:
    """Tells the database every few seconds that the runner is alive, even while one
    step (one large table) takes minutes."""

    def __init__(self, app: Flask, job_id: int, token: str):
        self.app, self.job_id, self.token = app, job_id, token
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self._beat, name=f"report-job-{job_id}-beat",
                                       daemon=True)
        self.thread.start()

    def _beat(self) -> None:
        every = float(self.app.config["REPORT_JOB_HEARTBEAT_SECONDS"])
        while not self.stopped.wait(every):
            try:
                if not _write(self.app, self.job_id, self.token, heartbeat_at=utcnow()):
                    return
            except Exception:  # noqa: BLE001 - a missed beat is retried; the job goes on
                log.warning("report job %s: heartbeat failed", self.job_id, exc_info=True)

    def stop(self) -> None:
        self.stopped.set()
        self.thread.join(timeout=5)


def _progress(app: Flask, job_id: int, token: str) -> Callable[[int, str, str], None]:
    last: dict[str, Any] = {}

    def tell(percent: int, step: str, detail: str = "") -> None:
        if (percent, step, detail) == last.get("told"):
            return
        last["told"] = (percent, step, detail)
        _write(app, job_id, token, progress=max(0, min(99, percent)), step=step[:20],
               step_detail=detail[:80], heartbeat_at=utcnow())
    return tell


def run_job(app: Flask, job_id: int, heartbeat: Optional[bool] = None) -> Optional[JobStatus]:
    """Take the job and do it, in app contexts of its own; the status it ended in, or
    None if it was not (or no longer) this runner's. Never raises for the job's own
    failure: that is written into the job."""
    token = uuid.uuid4().hex[:16]
    if not _claim(app, job_id, token):
        return None
    if heartbeat is None:
        heartbeat = not app.config["REPORT_JOBS_INLINE"]
    beat = _Heartbeat(app, job_id, token) if heartbeat else None
    try:
        with app.app_context():
            return _work(app, job_id, token)
    finally:
        if beat is not None:
            beat.stop()


def _work(app: Flask, job_id: int, token: str) -> Optional[JobStatus]:
    session = current_session()
    job = session.get(ReportJob, job_id)
    if job is None:  # pragma: no cover - deleted under us
        return None
    actor = Actor(job.requested_by_id, job.requested_by)
    tell = _progress(app, job_id, token)
    try:
        version, outcome = _do(app, session, job, actor, tell)
    except ServiceError as exc:
        session.rollback()
        with force_locale("vi"):
            return _fail(app, job_id, token, str(exc.message))
    except IntegrityError:
        session.rollback()
        with force_locale("vi"):
            return _fail(app, job_id, token, str(CONFLICT))
    except Exception:  # noqa: BLE001 - the job says it failed; the log keeps the trace
        session.rollback()
        log.exception("report job %s failed", job_id)
        with force_locale("vi"):
            return _fail(app, job_id, token, str(UNEXPECTED))
    now = utcnow()
    finished = affected(session.execute(
        sa.update(ReportJob).where(ReportJob.id == job_id, ReportJob.runner == token,
                                   ReportJob.status == JobStatus.running)
        .values(status=JobStatus.done, progress=100, step="done", step_detail="",
                active_key=None, finished_at=now, heartbeat_at=now, version_id=version.id,
                outcome=outcome)))
    if finished != 1:  # another runner took it over: its work counts, not ours
        session.rollback()
        return None
    session.commit()
    return JobStatus.done


def _do(app: Flask, session: Session, job: ReportJob, actor: Actor,
        tell: Callable[[int, str, str], None]) -> tuple[ReportVersion, str]:
    from ..reporting.index import configured

    unit = session.get(Unit, job.unit_id)
    if unit is None:  # pragma: no cover - units are never deleted
        raise NotFound(_l("Unknown unit."))
    if job.kind is JobKind.generate:
        made = signoff.generate(session, unit.code, job.period, actor,
                                configured(app.config), progress=tell)
        return made.version, made.outcome
    version = session.scalar(sa.select(ReportVersion).where(
        ReportVersion.unit_id == unit.id, ReportVersion.period == job.period,
        ReportVersion.number == job.version_number))
    if version is None:
        raise NotFound(_l("This version of the report no longer exists."))
    signoff.approve(session, version, actor, four_eyes=bool(app.config["REPORT_FOUR_EYES"]),
                    progress=tell)
    return version, "approved"


def _fail(app: Flask, job_id: int, token: str, message: str) -> Optional[JobStatus]:
    changed = _write(app, job_id, token, status=JobStatus.failed, error=message[:1000],
                     step="failed", active_key=None, finished_at=utcnow())
    return JobStatus.failed if changed else None


# --- starting -----------------------------------------------------------------------------

def start(app: Flask, job_id: int) -> None:
    """Run the job: in this thread with ``SURVEY_REPORT_JOBS_INLINE`` (tests), else in a
    daemon thread of this process. The job must be committed first."""
    if app.config["REPORT_JOBS_INLINE"]:
        run_job(app, job_id)
        return
    threading.Thread(target=_run_logged, args=(app, job_id), name=f"report-job-{job_id}",
                     daemon=True).start()


def _run_logged(app: Flask, job_id: int) -> None:
    try:
        run_job(app, job_id)
    except Exception:  # noqa: BLE001 - a thread's exception would vanish otherwise
        log.exception("report job %s: runner failed", job_id)


def restart_if_stale(app: Flask, job: ReportJob) -> bool:
    """Start a runner for ``job`` if its own stopped (see :func:`is_stale`); only one of
    several runners started this way takes it. Whether one was started."""
    if not is_stale(job, app.config):
        return False
    start(app, job.id)
    return True


def pending(session: Session, config: Any) -> list[int]:
    """Ids of the jobs a runner should take now: queued, or running but stale."""
    cutoff = _stale_before(config)
    return list(session.scalars(sa.select(ReportJob.id).where(sa.or_(
        ReportJob.status == JobStatus.queued,
        sa.and_(ReportJob.status == JobStatus.running,
                sa.or_(ReportJob.heartbeat_at.is_(None), ReportJob.heartbeat_at < cutoff))))
        .order_by(ReportJob.created_at, ReportJob.id)))


def run_pending(app: Flask) -> dict[int, Optional[JobStatus]]:
    """Run every pending job here, one after the other (``flask survey report-jobs
    run``): job id → the status it ended in (None: another runner had it)."""
    with app.app_context():
        ids = pending(current_session(), app.config)
    return {job_id: run_job(app, job_id) for job_id in ids}
