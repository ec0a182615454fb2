"""How every command fails on input a service refuses: the message on stderr, exit 1.

:func:`service_errors` wraps a command. A :class:`~survey.services.errors.ServiceError`
(also :class:`~survey.services.catalogue.units.UnitImportError`,
:class:`~survey.services.reporting.strata.ServedCountError` and the other subclasses)
rolls the session back, so that nothing is half-written, and prints its message, then
one line per line of the file that has errors; no traceback. Any other exception
also rolls back before it propagates.
"""
from __future__ import annotations

import functools
from typing import Any, Callable, TypeVar

import click
from flask_babel import gettext as _

from ..extensions import current_session
from ..services.errors import ServiceError

F = TypeVar("F", bound=Callable[..., Any])


def error_lines(exc: ServiceError) -> list[str]:
    """The message, then the file's errors: ``""`` (the whole file) first, then each
    line in order, "Line 3: …". Field keys (``"count"``, ``"unit"``) are for forms and
    the API, not repeated here."""
    files = {key: messages for key, messages in exc.errors.items()
             if key == "" or key.isdigit()}
    count = sum(len(messages) for messages in files.values())
    head = str(exc.message)
    if count:
        head = _("%(message)s Errors: %(count)s.", message=head, count=count)
    lines = [head] + [str(message) for message in files.get("", [])]
    for key in sorted((k for k in files if k), key=int):
        lines.append(_("Line %(line)s: %(errors)s", line=key,
                       errors="; ".join(str(message) for message in files[key])))
    return lines


def service_errors(command: F) -> F:
    """Decorate a command: a :class:`ServiceError` becomes a clean message and exit 1."""
    @functools.wraps(command)
    def run(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except ServiceError as exc:
            current_session().rollback()
            for line in error_lines(exc):
                click.echo(line, err=True)
            raise click.exceptions.Exit(1) from exc
        except click.exceptions.Exit:
            raise
        except Exception:
            current_session().rollback()
            raise
    return run  # type: ignore[return-value]
