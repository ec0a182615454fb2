"""What the browser benches share: the app with demo data on a loopback port, and Chromium."""
from __future__ import annotations

import logging
import sys
import threading
from pathlib import Path

from werkzeug.serving import make_server

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from survey import create_app  # noqa: E402
from survey.extensions import db  # noqa: E402
from survey.services import catalogue  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]


def serve(folder: str):
    """``(app, server, base_url)``: demo data in SQLite under ``folder``, served in a thread."""
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder}/bench.sqlite",
                      "SECRET_KEY": "bench", "INSTANCE_PATH": folder})
    with app.app_context():
        db.create_all()
        catalogue.seed_demo(db.session)
        db.session.commit()
    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # no line per request
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return app, server, f"http://127.0.0.1:{server.server_port}"
