"""The language of ``flask survey ...`` output, chosen once for every command.

Rule: the CLI speaks ``CLI_LANG`` (environment ``SURVEY_CLI_LANG``, default ``vi``, the
app's default locale). A command's own ``--lang vi|en``, where it has one, wins for that
command (:func:`lang_option` runs the whole command, its errors included, in that
language). Messages go through Babel like every other user-facing string; machine-read
lines (tokens, pairing codes, URLs, file paths) are printed as they are.
"""
from __future__ import annotations

import functools
from contextlib import AbstractContextManager, nullcontext
from typing import Any, Callable, Optional

import click
from flask import current_app
from flask.cli import AppGroup, ScriptInfo
from flask_babel import force_locale
from flask_babel import gettext as _

LANGS = click.Choice(["vi", "en"])


def cli_language() -> str:
    """The configured CLI language (``CLI_LANG``); a clear error for an unknown one."""
    lang = str(current_app.config.get("CLI_LANG") or current_app.config["BABEL_DEFAULT_LOCALE"])
    if lang not in current_app.config["LANGUAGES"]:
        raise click.UsageError(_("SURVEY_CLI_LANG must be one of %(choices)s, not %(value)s.",
                                 choices=", ".join(current_app.config["LANGUAGES"]),
                                 value=repr(lang)))
    return lang


def output_locale(lang: Optional[str]) -> AbstractContextManager[Any]:
    """``force_locale(lang)`` for a command's explicit ``--lang``; otherwise no change."""
    return force_locale(lang) if lang else nullcontext()


def lang_option(help_text: str = "Language of the output (default: SURVEY_CLI_LANG, vi).",
                ) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """The ``--lang vi|en`` option (``None`` when not given). The command runs in that
    language: put it above :func:`survey.cli.errors.service_errors`, so that error
    messages speak it too."""
    def decorate(command: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(command)
        def run(*args: Any, lang: Optional[str] = None, **kwargs: Any) -> Any:
            with output_locale(lang):
                return command(*args, lang=lang, **kwargs)
        return click.option("--lang", type=LANGS, default=None, help=help_text)(run)
    return decorate


class LocaleGroup(AppGroup):
    """An :class:`AppGroup` whose sub-commands all run in :func:`cli_language`."""

    def invoke(self, ctx: click.Context) -> Any:
        if not current_app:
            app = ctx.ensure_object(ScriptInfo).load_app()
            ctx.with_resource(app.app_context())
        with force_locale(cli_language()):
            return super().invoke(ctx)
