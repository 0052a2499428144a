"""python manage.py seed_demo [--patients N] [--seed S]"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from accounts.models import Site
from demo.summary import demo_summary
from demo.trial import (
    DEFAULT_PATIENTS,
    DEFAULT_SEED,
    DEMO_PASSWORD,
    DemoPartlyLoaded,
    demo_logins,
    demo_trial_seed,
)
from endpoints.services import analysis_run_request


class Command(BaseCommand):
    help = (
        "Load a demo trial running today: sites, one account per role, patients screened over "
        "the last two years and their course up to today. The same seed gives the same trial "
        "on the same day, except the arms, which come from the concealed allocation sequence."
    )

    def add_arguments(self, parser):
        parser.add_argument("--patients", type=int, default=DEFAULT_PATIENTS)
        parser.add_argument("--seed", type=int, default=DEFAULT_SEED)

    def handle(self, *args, patients: int, seed: int, **options):
        if patients < 0:
            raise CommandError("--patients must be 0 or more.")
        if Site.objects.exists():
            self.stdout.write(
                "Demo data already present; nothing loaded. (A load that stopped half-way is "
                "not completed: empty the database with `manage.py flush`, then seed_demo.)"
            )
        else:
            try:
                created = demo_trial_seed(patients=patients, seed=seed)
            except DemoPartlyLoaded as exc:
                raise CommandError(str(exc)) from exc
            self.stdout.write(
                self.style.SUCCESS(f"Loaded {len(created)} screened patients (seed {seed}).")
            )
            for line in demo_summary().lines():
                self.stdout.write(f"  {line}")
            run = analysis_run_request()
            self.stdout.write(f"Analysis at cut-off {run.cutoff} requested ({run.status}).")
        self.stdout.write(f"\nDemo logins (password for all: {DEMO_PASSWORD}):")
        for login in demo_logins():
            self.stdout.write(f"  {login.username:10} {login.role:27} {login.sites}")
        self.stdout.write("\nOpen http://127.0.0.1:8000/ and log in.")
