"""Recompute the audit trail's hash chain and print what it found (exit 1 when broken)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from audit.chain import verify_chain


class Command(BaseCommand):
    help = (
        "Verify the audit trail's hash chain: every event row against its sealed digest, every "
        "link against the previous one, the head against the recorded daily digests. Lists "
        "writes made outside the application (no user in their context). Exits 1 on a break."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--database", default="default", help="Database alias to verify.")

    def handle(self, *args: Any, **options: Any) -> None:
        report = verify_chain(options["database"])
        for line in report.lines():
            self.stdout.write(line)
        if not report.intact:
            raise CommandError(f"Audit trail chain broken at {report.first_break}.")
