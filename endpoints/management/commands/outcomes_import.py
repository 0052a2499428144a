"""python manage.py outcomes_import FILE.csv --user USERNAME: the former name of import_outcomes."""

from __future__ import annotations

from endpoints.management.commands import import_outcomes


class Command(import_outcomes.Command):
    help = f"The former name of import_outcomes. {import_outcomes.Command.help}"
