"""The command line a message tells the user to run: one that works from the project root."""
from __future__ import annotations

import shlex

#: How ``flask survey`` is run from a checkout (``make run`` creates ``.venv``).
SURVEY_COMMAND = ".venv/bin/flask --app wsgi survey"


def command(*args: str) -> str:
    """``command("kiosk", "list")`` → ``.venv/bin/flask --app wsgi survey kiosk list``;
    arguments are quoted for a POSIX shell where needed."""
    return f"{SURVEY_COMMAND} {shlex.join(args)}"
