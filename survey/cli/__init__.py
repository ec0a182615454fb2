"""``flask survey ...``: command-line tasks for the IT officer, one module per group.

Every command speaks the CLI language (:mod:`.locale`), fails on refused input through
one decorator (:mod:`.errors`) and names other commands as they run from the project
root (:mod:`.hints`).
"""
from __future__ import annotations

from .audit import audit_command
from .backup import backup_command
from .contacts import fill_answer_bits, purge_contacts
from .coverage import coverage_cli
from .demo import demo_responses, seed_demo
from .flags import flags_cli
from .inbox import inbox_cli
from .index import index_command
from .kiosks import kiosk_cli
from .locale import LocaleGroup
from .print import posters_command, qr_command, receipts_cli
from .questionnaires import questionnaire_cli
from .report import report_command
from .served import served_cli
from .tokens import token_cli
from .trend import trend_command
from .units import units_cli
from .users import users_cli

survey_cli = LocaleGroup("survey", help="Survey platform tasks (demo data, questionnaires, ...). "
                         "Output is in Vietnamese; set SURVEY_CLI_LANG=en for English.")

for _command in (seed_demo, demo_responses, questionnaire_cli, purge_contacts, fill_answer_bits,
                 token_cli, kiosk_cli, units_cli, posters_command, qr_command, receipts_cli,
                 index_command, trend_command, served_cli, users_cli, audit_command, inbox_cli,
                 backup_command, coverage_cli, flags_cli, report_command):
    survey_cli.add_command(_command)

__all__ = ["survey_cli"]
