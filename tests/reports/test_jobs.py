"""Report jobs: one active job per unit and period, progress told step by step, exactly
one version however a job ends, stale jobs taken again or failed, the real thread."""
from __future__ import annotations

import datetime as dt
import io
import time

import openpyxl
import pytest
import sqlalchemy as sa

from survey.extensions import db as _db
from survey.models import (AuditEvent, JobKind, JobStatus, ReportJob, ReportStatus,
                           ReportVersion, utcnow)
from survey.services import catalogue
from survey.services.audit import Action
from survey.services.reports import jobs, signoff


def unit(db, code="NA"):
    return catalogue.unit_by_code(db.session, code)


def queue(db, actor, kind=JobKind.generate, period="2026-Q3", version=None):
    job, new = jobs.enqueue(db.session, unit(db), period, kind, actor, version)
    db.session.commit()
    return job, new


def fresh(db, job_id) -> ReportJob:
    db.session.expire_all()
    return db.session.get(ReportJob, job_id)


def versions(db) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(ReportVersion))


def test_a_generation_job_from_queued_to_done_with_its_steps(app, db, people, monkeypatch):
    told: list[tuple[int, str, str]] = []
    write = jobs._write

    def spy(app_, job_id, token, **values):
        if "step" in values and values["step"] not in ("failed",):
            told.append((values.get("progress", -1), values["step"], values["step_detail"]))
        return write(app_, job_id, token, **values)
    monkeypatch.setattr(jobs, "_write", spy)
    job, new = queue(db, people["manager"])
    assert new and job.status is JobStatus.queued and job.active_key
    again, new_again = queue(db, people["approver"])  # a second click: the same job
    assert again.id == job.id and not new_again
    assert jobs.run_job(app, job.id) is JobStatus.done
    job = fresh(db, job.id)
    assert (job.status, job.progress, job.outcome, job.active_key) == (
        JobStatus.done, 100, "created", None)
    assert job.attempts == 1 and job.finished_at is not None
    version = db.session.get(ReportVersion, job.version_id)
    assert version.number == 1 and version.prepared_by_id == people["manager"].user_id
    steps = [step for _p, step, _d in told]
    assert steps[:2] == ["reading", "units"] and steps[-1] == "saving"
    assert "unit" in steps and {d for _p, s, d in told if s == "sheet"} >= {"TongHop", "GhiChu"}
    percents = [p for p, _s, _d in told]
    assert percents == sorted(percents) and 0 <= percents[0] and percents[-1] < 100
    assert jobs.run_job(app, job.id) is None  # done: nobody takes it again
    assert queue(db, people["manager"])[1]  # the unit is free for the next job


def test_an_approval_job_freezes_the_files(app, db, people):
    manager, approver = people["manager"], people["approver"]
    version = signoff.generate(db.session, "NA", "2026-Q3", manager, {}).version
    signoff.submit(db.session, version, manager)
    db.session.commit()
    refused, _new = queue(db, manager, JobKind.approve, version=1)
    assert jobs.run_job(app, refused.id) is JobStatus.failed
    refused = fresh(db, refused.id)
    assert "bốn mắt" in refused.error or "four-eyes" in refused.error
    job, _new = queue(db, approver, JobKind.approve, version=1)
    assert jobs.run_job(app, job.id) is JobStatus.done
    version = db.session.get(ReportVersion, fresh(db, job.id).version_id)
    assert version.status is ReportStatus.approved and len(version.files) >= 2
    assert fresh(db, job.id).outcome == "approved"


def test_a_failed_job_leaves_no_half_version(app, db, people, monkeypatch):
    from survey.services import audit

    record = audit.record

    def broken(session, action, *args, **kwargs):
        if action == Action.REPORT_GENERATED:  # after the version was flushed
            raise RuntimeError("disk full")
        return record(session, action, *args, **kwargs)
    monkeypatch.setattr(audit, "record", broken)
    job, _new = queue(db, people["manager"])
    assert jobs.run_job(app, job.id) is JobStatus.failed
    job = fresh(db, job.id)
    assert job.status is JobStatus.failed and job.active_key is None
    assert job.error and "disk full" not in job.error  # the trace is in the log only
    assert versions(db) == 0
    assert not db.session.scalars(sa.select(AuditEvent).where(
        AuditEvent.action == Action.REPORT_GENERATED)).all()
    monkeypatch.setattr(audit, "record", record)
    retry, new = queue(db, people["manager"])
    assert new and jobs.run_job(app, retry.id) is JobStatus.done and versions(db) == 1


def test_a_refused_generation_says_why_in_vietnamese(app, db, people):
    version = signoff.generate(db.session, "NA", "2026-Q3", people["manager"], {}).version
    signoff.submit(db.session, version, people["manager"])
    db.session.commit()
    job, _new = queue(db, people["manager"])
    assert jobs.run_job(app, job.id) is JobStatus.failed
    assert "đã được gửi" in fresh(db, job.id).error and versions(db) == 1


def stale(db, job_id, attempts=1, minutes=10):
    db.session.execute(sa.update(ReportJob).where(ReportJob.id == job_id).values(
        status=JobStatus.running, runner="dead-worker", attempts=attempts,
        heartbeat_at=utcnow() - dt.timedelta(minutes=minutes)))
    db.session.commit()


def test_a_stale_job_is_taken_again_and_makes_no_second_version(app, db, people):
    first, _new = queue(db, people["manager"])
    assert jobs.run_job(app, first.id) is JobStatus.done
    # A job whose worker was killed: running, its heartbeat ten minutes old.
    job, _new = queue(db, people["manager"])
    stale(db, job.id)
    assert jobs.pending(db.session, app.config) == [job.id]
    assert jobs.run_pending(app) == {job.id: JobStatus.done}
    job = fresh(db, job.id)
    assert job.attempts == 2 and job.outcome == "unchanged" and versions(db) == 1
    # A running job with a fresh heartbeat is left alone.
    live, _new = queue(db, people["manager"])
    stale(db, live.id, minutes=0)
    assert jobs.pending(db.session, app.config) == [] and jobs.run_job(app, live.id) is None


def test_a_job_that_keeps_dying_is_failed_with_a_message(app, db, people):
    job, _new = queue(db, people["manager"])
    stale(db, job.id, attempts=jobs.MAX_ATTEMPTS)
    assert jobs.run_pending(app) == {job.id: None}
    job = fresh(db, job.id)
    assert job.status is JobStatus.failed and job.active_key is None
    assert str(jobs.MAX_ATTEMPTS) in job.error and versions(db) == 0


def test_a_runner_that_lost_its_job_cannot_finish_it(app, db, people):
    job, _new = queue(db, people["manager"])
    assert jobs._claim(app, job.id, "runner-a")
    stale(db, job.id)  # runner A stalls; B takes the job over
    db.session.execute(sa.update(ReportJob).where(ReportJob.id == job.id)
                       .values(runner="runner-a"))
    db.session.commit()
    assert jobs._claim(app, job.id, "runner-b")
    with app.app_context():
        assert jobs._work(app, job.id, "runner-a") is None  # A wakes up: rolled back
    assert versions(db) == 0
    with app.app_context():
        assert jobs._work(app, job.id, "runner-b") is JobStatus.done
    assert versions(db) == 1 and fresh(db, job.id).attempts == 2


def test_the_command_line_runs_waiting_jobs(app, db, people, runner):
    job, _new = queue(db, people["manager"])
    result = runner.invoke(args=["survey", "report", "jobs", "run"])
    assert result.exit_code == 0, result.output
    assert f"{job.id}" in result.output and "done" in result.output
    assert fresh(db, job.id).status is JobStatus.done
    listed = runner.invoke(args=["survey", "report", "jobs", "list"])
    assert listed.exit_code == 0 and "\tNA\t2026-Q3\tgenerate\tdone\t100%" in listed.output
    nothing = runner.invoke(args=["survey", "report", "jobs", "run"])
    assert nothing.exit_code == 0 and job.status is JobStatus.done
    missing = runner.invoke(args=["survey", "report"])
    assert missing.exit_code == 2 and "--period" in missing.output


@pytest.mark.real_commits
def test_the_real_thread_runs_with_heartbeats(app, seeded, people):
    """The path the web app takes: a daemon thread of this process, its own app context
    and session, heartbeats while it works; then an approval the same way."""
    app.config.update(REPORT_JOBS_INLINE=False, REPORT_JOB_HEARTBEAT_SECONDS=0.05)
    _db.session.commit()

    def finish(job_id: int) -> ReportJob:
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            _db.session.expire_all()
            job = _db.session.get(ReportJob, job_id)
            if job.status not in jobs.ACTIVE:
                return job
            time.sleep(0.2)
        raise AssertionError("the job did not finish in 3 minutes")

    job, _new = queue(_db, people["manager"])
    jobs.start(app, job.id)
    job = finish(job.id)
    assert job.status is JobStatus.done, job.error
    assert job.heartbeat_at is not None and job.heartbeat_at >= job.started_at
    version = _db.session.get(ReportVersion, job.version_id)
    signoff.submit(_db.session, version, people["manager"])
    _db.session.commit()
    approval, _new = queue(_db, people["approver"], JobKind.approve, version=version.number)
    jobs.start(app, approval.id)
    assert finish(approval.id).status is JobStatus.done
    _db.session.expire_all()
    version = _db.session.get(ReportVersion, version.id)
    xlsx = next(f for f in version.files if f.format == "xlsx")
    book = openpyxl.load_workbook(io.BytesIO(xlsx.content))
    assert book["TongHop"]["A3"].value == "NA" and version.status is ReportStatus.approved
