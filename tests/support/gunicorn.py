"""The app under gunicorn with the repo's gunicorn.conf.py, as it runs in production:
several worker processes, metrics shared through PROMETHEUS_MULTIPROC_DIR."""
from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from .live import ROOT, LiveServer

GUNICORN = Path(sys.executable).with_name("gunicorn")


class GunicornServer(LiveServer):
    """A :class:`LiveServer` served by ``gunicorn -c gunicorn.conf.py`` with ``workers``."""

    def __init__(self, workdir: Path, workers: int = 2, env: dict[str, str] | None = None,
                 **options):
        super().__init__(workdir, env=env, **options)
        self.workers = workers
        self.metrics_dir = self.workdir / "prometheus"

    def environment(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items()
               if not k.startswith("SURVEY_") and k != "PROMETHEUS_MULTIPROC_DIR"}
        env.update(SURVEY_DATABASE_URL=self.database_url, SURVEY_SECRET_KEY="g" * 64,
                   SURVEY_INSTANCE_PATH=str(self.workdir), SURVEY_PUBLIC_URL=self.url,
                   SURVEY_BIND=f"127.0.0.1:{self.port}", WEB_CONCURRENCY=str(self.workers),
                   PROMETHEUS_MULTIPROC_DIR=str(self.metrics_dir))
        env.update(self.extra_env)
        return env

    def launch(self) -> subprocess.Popen:
        with self.log.open("ab") as log:
            return subprocess.Popen([str(GUNICORN), "-c", "gunicorn.conf.py", "wsgi:app"],
                                    cwd=ROOT, env=self.environment(), stdout=log,
                                    stderr=subprocess.STDOUT)

    def start(self) -> None:
        self.process = self.launch()
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen(self.url + "/healthz", timeout=2).read()
                return
            except OSError:
                if self.process.poll() is not None:
                    break
                time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"gunicorn did not start: {self.log.read_text()[-3000:]}")
