"""python manage.py backup_drill [--dump PATH] [--keep]

Run as a superuser (docker-compose: POSTGRES_USER's DATABASE_URL); see README "Backup and
restore". Exits non-zero when a row count differs or the restored audit chain is broken.
"""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from audit.backup import BackupDrillFailed, backup_drill


class Command(BaseCommand):
    help = (
        "Back up the database (pg_dump -Fc), restore it into a fresh database, compare every "
        "table's row count and verify the audit hash chain there, then drop the copy."
    )

    def add_arguments(self, parser):
        parser.add_argument("--dump", type=Path, help="Keep the dump at this path.")
        parser.add_argument("--keep", action="store_true", help="Keep the restored database.")
        parser.add_argument("--database", default="default", help="Database alias.")

    def handle(self, *args, dump: Path | None, keep: bool, database: str, **options):
        try:
            report = backup_drill(using=database, dump_path=dump, keep=keep)
        except BackupDrillFailed as failed:
            raise CommandError(str(failed)) from failed
        for line in report.lines():
            self.stdout.write(line)
        if not report.passed:
            raise CommandError("The restored copy does not match: see above.")
