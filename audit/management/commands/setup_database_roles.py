"""python manage.py setup_database_roles

Run it connected as a superuser (DATABASE_URL of the server's first user) before `migrate`,
on a new database and on one migrated before the roles existed; it is idempotent. Then
`migrate` runs as DB_OWNER_ROLE and re-applies the grants itself; the web app, the worker and
beat connect as DB_APP_ROLE. Connected as the owner, it only re-applies the grants.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from audit.database import DatabaseRolesError, database_roles_from_settings, database_roles_setup


class Command(BaseCommand):
    help = (
        "Create or update the owner role (DB_OWNER_ROLE, runs migrations) and the application "
        "role (DB_APP_ROLE: reads and writes clinical rows, only adds audit events), make the "
        "owner own the database's objects and apply the application role's grants."
    )

    def add_arguments(self, parser):
        parser.add_argument("--database", default="default", help="Database alias.")

    def handle(self, *args, database: str, **options):
        try:
            roles = database_roles_from_settings()
            database_roles_setup(roles=roles, using=database)
        except DatabaseRolesError as refused:
            raise CommandError(str(refused)) from refused
        self.stdout.write(
            self.style.SUCCESS(
                f"Database roles ready: {roles.owner} owns the schema and migrates; "
                f"{roles.app} reads and writes rows only."
            )
        )
