"""python manage.py import_outcomes FILE.csv --user USERNAME

The legacy outcome import (endpoints/imports.py) from the command line; `outcomes_import` is
the same command under its former name.
"""

from __future__ import annotations

from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from accounts.models import User
from endpoints.imports import outcomes_import

NO_USER = (
    "Say who imports: --user USERNAME (the data manager's account). Every imported outcome "
    "records who brought it in, and the audit trail names them."
)


class Command(BaseCommand):
    help = (
        "Import legacy outcomes (patient_id, arm, regimen, site, randomized_on, death_on, "
        "last_alive_on, hsct_on) from a CSV file: every row or none. --user names the account "
        "importing (required: each outcome records who imported it)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", type=Path, help="The CSV file (trial_n300.csv's columns).")
        parser.add_argument("--user", help="Username of the data manager importing.")

    def handle(self, *args: object, path: Path, user: str | None, **options: object) -> None:
        if not user:
            raise CommandError(NO_USER)
        try:
            importer = User.objects.get(username=user)
        except User.DoesNotExist:
            raise CommandError(f"No account {user!r}.") from None
        if not path.is_file():
            raise CommandError(f"No file {path}.")
        try:
            content = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            raise CommandError(f"{path} is not UTF-8 text: nothing imported.") from None
        try:
            imported = outcomes_import(content=content, filename=path.name, user=importer)
        except ValidationError as exc:
            lines = [
                f"  {key}: {'; '.join(messages)}" for key, messages in exc.message_dict.items()
            ]
            raise CommandError("Nothing imported:\n" + "\n".join(lines)) from None
        self.stdout.write(self.style.SUCCESS(f"Imported {len(imported)} outcomes from {path}."))
