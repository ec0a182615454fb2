"""gunicorn settings for the survey app: ``gunicorn -c gunicorn.conf.py wsgi:app``.

Every value can be changed through the environment without editing this file
(docs/deploy.md shows the systemd unit that sets them):

- ``SURVEY_BIND`` (default ``127.0.0.1:8000``): where to listen; nginx proxies to it.
- ``WEB_CONCURRENCY`` (default 3): worker processes. More than one needs the shared rate-
  limit store (``SURVEY_RATELIMIT_STORAGE=redis://...``); with ``SURVEY_ENV=production``
  the app refuses to start without it. The number (``-w`` included) is passed to the app
  as ``SURVEY_WORKERS`` for that check.
- ``SURVEY_TIMEOUT`` (default 30): seconds before a stuck worker is restarted. Keep it
  above the SQLite busy timeout (``SURVEY_SQLITE_BUSY_TIMEOUT``, 20 s: a write waiting
  longer answers the honest 503 page) and below nginx's ``proxy_read_timeout``.
- ``PROMETHEUS_MULTIPROC_DIR``: a folder only the app's user can write (e.g.
  ``/run/survey/metrics`` from systemd's ``RuntimeDirectory``). With it, ``/metrics`` adds
  up the counts of every worker; it is emptied when gunicorn starts and a dead worker's
  files are merged away. Without it each worker reports only its own counts.

Access logs are off: gunicorn's would keep client addresses. With ``SURVEY_ENV=production``
the app writes its own JSON line per request, with a request id and no personal data.
"""
import os

bind = os.environ.get("SURVEY_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", "3"))
# Synchronous workers: every request is short, and the database is the bottleneck.
worker_class = "sync"
timeout = int(os.environ.get("SURVEY_TIMEOUT", "30"))
graceful_timeout = 30
# Recycle workers now and then (with jitter, so not all at once) to bound any leak.
max_requests = 5000
max_requests_jitter = 500
# nginx in front sets X-Forwarded-*; the app trusts them through SURVEY_PROXY_HOPS.
forwarded_allow_ips = "127.0.0.1"
accesslog = None
errorlog = "-"
loglevel = "info"
# Each worker builds its own app (and database connections) after the fork.
preload_app = False
# gunicorn 24+ opens a control socket under $HOME or $XDG_RUNTIME_DIR; nothing here uses
# it, and the service's home is read-only (docs/deploy.md). Older versions ignore this.
control_socket_disable = True


def on_starting(server):
    """Before any worker starts: tell the app how many workers there will be (``-w`` on
    the command line included) for its production check, and start the metrics of a
    new server from zero (old workers' files would be added)."""
    os.environ["SURVEY_WORKERS"] = str(server.cfg.workers)
    folder = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if folder:
        os.makedirs(folder, mode=0o700, exist_ok=True)
        for name in os.listdir(folder):
            if name.endswith(".db"):
                os.remove(os.path.join(folder, name))


def child_exit(server, worker):
    """A worker ended: its live gauges go; its counters stay in the sum."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
