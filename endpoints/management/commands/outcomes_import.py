"""python manage.py outcomes_import FILE.csv --user USERNAME"""

from __future__ import annotations

from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from accounts.models import User
from endpoints.imports import outcomes_import


class Command(BaseCommand):
    help = "Import legacy outcomes (patient_id, arm, regimen, site, dates) from a CSV file."

    def add_arguments(self, parser):
        parser.add_argument("path", type=Path)
        parser.add_argument("--user", required=True, help="The data manager importing.")

    def handle(self, *args, path: Path, user: str, **options):
        try:
            importer = User.objects.get(username=user)
        except User.DoesNotExist:
            raise CommandError(f"No account {user!r}.") from None
        if not path.is_file():
            raise CommandError(f"No file {path}.")
        try:
            imported = outcomes_import(
                content=path.read_text(encoding="utf-8"), filename=path.name, user=importer
            )
        except ValidationError as exc:
            lines = [
                f"  {key}: {'; '.join(messages)}" for key, messages in exc.message_dict.items()
            ]
            raise CommandError("Nothing imported:\n" + "\n".join(lines)) from None
        self.stdout.write(self.style.SUCCESS(f"Imported {len(imported)} outcomes from {path}."))
